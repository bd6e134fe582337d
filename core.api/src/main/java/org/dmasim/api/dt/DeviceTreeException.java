package org.dmasim.api.dt;

/** A device tree that cannot be parsed or that breaks a binding rule; the message names both. */
public class DeviceTreeException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public DeviceTreeException(String message) {
        super(message);
    }

    public DeviceTreeException(String message, Throwable cause) {
        super(message, cause);
    }
}
