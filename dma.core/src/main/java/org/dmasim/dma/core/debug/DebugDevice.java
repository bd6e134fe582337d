package org.dmasim.dma.core.debug;

import org.dmasim.api.device.DmaDevice;

/**
 * What DMA-API debugging reads of a {@code struct device}: its name and limits
 * ({@link DmaDevice}), the name its messages start with and the bound driver the filter
 * compares.
 */
public interface DebugDevice extends DmaDevice {
    /** {@code dev_driver_string()}: the bound driver's name, else the bus's (platform, amba, pci). */
    String driverString();

    /** {@code dev->driver->name}, or null when no driver is bound. */
    String driverName();
}
