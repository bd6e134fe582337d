package org.dmasim.api.dma;

/**
 * A device's bus access that reaches no memory: a bus address outside the device's windows, or
 * inside a mapping that was revoked when its backend was forced out. The access does nothing;
 * memory is unchanged.
 *
 * @since 1.2
 */
public final class BusFault extends RuntimeException {
    private static final long serialVersionUID = 1L;
    private final String device;
    private final long dmaHandle;

    public BusFault(String device, long dmaHandle, String message) {
        super(message);
        this.device = device;
        this.dmaHandle = dmaHandle;
    }

    public String device() {
        return device;
    }

    public long dmaHandle() {
        return dmaHandle;
    }
}
