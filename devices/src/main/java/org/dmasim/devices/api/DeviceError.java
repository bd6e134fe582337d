package org.dmasim.devices.api;

/**
 * What a device's DMA engine reports when it cannot do what its descriptors ask: the status a
 * driver reads from a descriptor or a completion, with the reason in words. Nothing beyond the
 * point of failure was transferred.
 */
public final class DeviceError extends RuntimeException {
    private static final long serialVersionUID = 1L;

    /** Why the engine stopped. */
    public enum Kind {
        /** No memory answered the bus address (outside the device's windows, a revoked mapping). */
        BUS_ERROR,
        /** A descriptor longer than the engine's maximum segment size. */
        SEGMENT_TOO_LONG,
        /** A descriptor crossing the engine's segment boundary. */
        SEGMENT_CROSSES_BOUNDARY,
        /** A request longer than the device transfers at once, or not whole sectors. */
        BAD_REQUEST,
        /** The medium could not be read or written at a sector (block device). */
        MEDIA_ERROR
    }

    private final String device;
    private final Kind kind;

    public DeviceError(String device, Kind kind, String message) {
        super(device + ": " + message);
        this.device = device;
        this.kind = kind;
    }

    public String device() {
        return device;
    }

    public Kind kind() {
        return kind;
    }
}
