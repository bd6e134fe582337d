package org.dmasim.api.mm;

/** Zones of a 64-bit kernel in {@code enum zone_type} order, with their printed names. */
public enum ZoneType {
    DMA("DMA"), DMA32("DMA32"), NORMAL("Normal"), MOVABLE("Movable"), DEVICE("Device");

    private final String kernelName;

    ZoneType(String kernelName) {
        this.kernelName = kernelName;
    }

    /** The name the kernel prints in dmesg and /proc. */
    public String kernelName() {
        return kernelName;
    }
}
