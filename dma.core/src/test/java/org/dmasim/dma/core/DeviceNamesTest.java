package org.dmasim.dma.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.dmasim.api.device.DmaDevice;
import org.dmasim.api.dma.DmaApi;
import org.dmasim.api.platform.LogLine;
import org.dmasim.platform.boot.BootResult;
import org.junit.jupiter.api.Test;

/**
 * of_device_make_bus_id and what device_add does with a name that is taken (dts/names.dts): the
 * Juno LED naming by mask, nodes without reg, and each way a duplicate fails.
 */
class DeviceNamesTest {
    private final BootResult boot = Boots.bootDts("names.dts");
    private final DmaApi dma = Boots.dma(boot);
    private final List<String> names = dma.devices().stream().map(DmaDevice::name).toList();
    private final List<LogLine> log = boot.log().lines();

    private boolean logged(LogLine.Level level, String text) {
        return log.stream().anyMatch(l -> l.level() == level && l.text().equals(text));
    }

    @Test
    void registerBitLedsSharingARegAreNamedByTheirMaskBit() {
        // mb (no reg) -> iofpga-bus (no reg) -> apbregs@10000 at 0x1c010000 -> leds at offset 8.
        assertTrue(names.containsAll(List.of("1c010008.0.led", "1c010008.1.led", "1c010008.2.led",
            "1c010008.7.led")), names.toString());
        assertTrue(names.contains("1c010000.apbregs"), names.toString());
        assertFalse(log.stream().anyMatch(l -> l.text().contains("1c010008")), "no duplicate among the leds");
    }

    @Test
    void nodesWithoutRegTakeTheirFullNamesJoinedUpToTheRoot() {
        assertTrue(names.contains("mb@8000000"), names.toString());
        assertTrue(names.contains("mb@8000000:iofpga-bus@300000000"), names.toString());
        assertTrue(names.contains("leds-without-reg"), names.toString());
    }

    @Test
    void firmwareChildrenAndRamoopsComeFirstAsTheKernelPopulatesThem() {
        // of_platform_default_populate_init: reserved_mem_matches, then /firmware, then the root.
        assertEquals("7f000000.ramoops", names.get(0));
        assertEquals("firmware:optee", names.get(1));
        assertFalse(names.contains("firmware"), "/firmware has no compatible: no device of its own");
    }

    @Test
    void aNameTakenInTheSameDirectoryFailsThatDeviceWithTheKernelsLinesAndBootGoesOn() {
        assertEquals(1, names.stream().filter("9000000.serial"::equals).count());
        assertTrue(logged(LogLine.Level.WARNING,
            "sysfs: cannot create duplicate filename '/devices/platform/9000000.serial'"), log.toString());
        assertTrue(logged(LogLine.Level.ERR, "kobject_add_internal failed for 9000000.serial with -EEXIST, don't"
            + " try to register things with the same name in the same directory."), log.toString());
        assertEquals("/serial@9000000", ((Device) dma.device("9000000.serial").orElseThrow()).ofPath().orElseThrow(),
            "the first node keeps the name");
        // Devices after the duplicate still exist: the boot went on.
        assertTrue(names.contains("e000000.pl011"), names.toString());
    }

    @Test
    void aDuplicatedBusTakesItsChildrenWithIt() {
        assertTrue(logged(LogLine.Level.WARNING,
            "sysfs: cannot create duplicate filename '/devices/platform/a000000.soc'"), log.toString());
        assertFalse(names.contains("b000000.hidden"), names.toString());
    }

    @Test
    void theSameNameInAnotherDirectoryCollidesOnTheBusDevicesLink() {
        assertEquals(1, names.stream().filter("c000000.uart"::equals).count());
        assertTrue(logged(LogLine.Level.WARNING,
            "sysfs: cannot create duplicate filename '/bus/platform/devices/c000000.uart'"), log.toString());
        assertFalse(logged(LogLine.Level.ERR, "kobject_add_internal failed for c000000.uart with -EEXIST, don't try"
            + " to register things with the same name in the same directory."), "the directory itself was new");
    }

    @Test
    void aSecondPrimecellOverTheSameRegionCannotClaimIt() {
        assertEquals(1, names.stream().filter("e000000.pl011"::equals).count());
        assertTrue(logged(LogLine.Level.ERR, "OF: amba_device_add() failed (-16) for /pl011@0e000000"),
            log.toString());
    }

    @Test
    void qemuVirtNamesAreUnchanged() {
        List<String> virt = Boots.dma(Boots.boot("qemu-virt-arm64")).devices().stream().map(DmaDevice::name).toList();
        assertTrue(virt.containsAll(List.of("9000000.pl011", "9020000.fw-cfg", "a000000.virtio_mmio",
            "4010000000.pcie", "gpio-keys", "platform-bus@c000000")), virt.toString());
    }
}
