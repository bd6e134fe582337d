package org.dmasim.dma.core.debug;

import org.dmasim.testing.FakeDevice;

/** A device as DMA-API debugging sees it, for the unit tests of its parts: a fake device with a driver. */
final class TestDevice extends FakeDevice implements DebugDevice {
    String driver;

    TestDevice(String name) {
        super(name, 0);
    }

    @Override
    public String driverString() {
        return driver != null ? driver : "platform";
    }

    @Override
    public String driverName() {
        return driver;
    }
}
