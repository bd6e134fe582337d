package org.dmasim.dma.core;

import static org.dmasim.dma.core.DebugBoot.hex16;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Optional;
import org.dmasim.api.addr.DmaAddr;
import org.dmasim.api.backend.BackendInstances;
import org.dmasim.api.device.DmaDevice;
import org.dmasim.api.dma.CoherentBuffer;
import org.dmasim.api.dma.DeviceSpec;
import org.dmasim.api.dma.DmaDirection;
import org.dmasim.api.mm.Gfp;
import org.dmasim.api.mm.Page;
import org.junit.jupiter.api.Test;

/**
 * Drivers bound to devices, and what DMA-API debugging says when one leaves with DMA still
 * mapped: 6.1 registers its bus notifier on the PCI bus only, and it runs after
 * {@code dev->driver} became NULL, so the report names the bus.
 */
class DebugUnbindTest {
    private final DebugBoot b = DebugBoot.arm64();

    @Test
    void aPciDriverLeavingWithMappingsIsReported() {
        DmaDevice nic = b.dma.createDevice(DeviceSpec.pci("0000:00:02.0"));
        b.dma.bindDriver(nic, "e1000e");
        assertEquals(Optional.of("e1000e"), b.dma.driver(nic));
        assertEquals("e1000e", b.dma.deviceInfo(nic).driver);
        long phys = b.page();
        DmaAddr rx = b.dma.mapPage(nic, Page.pfnDown(phys), 0, 1536, DmaDirection.FROM_DEVICE, 0);
        b.dma.mappingError(nic, rx);
        CoherentBuffer ring = b.dma.allocCoherent(nic, 4096, Gfp.GFP_KERNEL).orElseThrow();

        List<String> out = b.dma.unbindDriver(nic);
        boolean ringLast = bucket(ring.dmaHandle()) >= bucket(rx.value());
        String last = ringLast ? "[device address=0x" + hex16(ring.dmaHandle()) + "] [size=4096 bytes] [mapped with"
            + " DMA_BIDIRECTIONAL] [mapped as coherent]" : "[device address=0x" + hex16(rx.value()) + "] [size=1536"
                + " bytes] [mapped with DMA_FROM_DEVICE] [mapped as single]";
        assertEquals(List.of("DMA-API: pci 0000:00:02.0: device driver has pending DMA allocations while released from"
            + " device [count=2]", "One of leaked entries details: " + last, "DMA-API: Mapped at:"), out);
        assertEquals(out, b.boot.log().kernelText().subList(b.boot.log().kernelText().size() - 3,
            b.boot.log().kernelText().size()));
        assertEquals(Optional.empty(), b.dma.driver(nic));
        assertEquals(2, b.debug.dump().size(), "leaked: still mapped");
        assertEquals(1, b.debug.errorCount());
    }

    private static int bucket(long devAddr) {
        return (int) ((devAddr >>> 13) & 16383);
    }

    @Test
    void whileBoundMessagesNameTheDriver() {
        DmaDevice nic = b.dma.createDevice(DeviceSpec.pci("0000:00:03.0"));
        b.dma.bindDriver(nic, "igb");
        assertEquals(List.of("DMA-API: igb 0000:00:03.0: device driver tries to free DMA memory it has not allocated"
            + " [device address=0x0000000012340000] [size=64 bytes]"), b.kernelRefused(() -> b.dma.unmapPage(nic,
                new DmaAddr(0x12340000L), 64, DmaDirection.TO_DEVICE, 0)));
    }

    @Test
    void aPlatformDriverLeavingIsNotReportedByTheKernel() {
        DmaDevice nc = b.dev("dma-test-nc");
        b.dma.bindDriver(nc, "dma-test");
        b.dma.allocCoherent(nc, 4096, Gfp.GFP_KERNEL).orElseThrow();
        List<String> out = b.dma.unbindDriver(nc);
        assertEquals(1, out.size(), out.toString());
        assertTrue(out.get(0).startsWith("dmasim: platform dma-test-nc: driver dma-test unbound with 1 live DMA mapping"
            + " and buffers, left as they are"), out.get(0));
        assertTrue(out.get(0).contains("on the PCI bus only"), out.get(0));
        assertEquals(0, b.debug.errorCount());
    }

    @Test
    void aCleanUnbindSaysNothing() {
        DmaDevice nic = b.dma.createDevice(DeviceSpec.pci("0000:00:04.0"));
        b.dma.bindDriver(nic, "e1000e");
        CoherentBuffer ring = b.dma.allocCoherent(nic, 4096, Gfp.GFP_KERNEL).orElseThrow();
        b.dma.freeCoherent(nic, 4096, ring.cpuAddr(), ring.dmaHandle());
        assertEquals(List.of(), b.dma.unbindDriver(nic));
    }

    @Test
    void bindingMistakes() {
        DmaDevice nc = b.dev("dma-test-nc");
        assertTrue(assertThrows(IllegalArgumentException.class, () -> b.dma.unbindDriver(nc)).getMessage()
            .contains("no driver is bound"));
        b.dma.bindDriver(nc, "one");
        assertTrue(assertThrows(IllegalArgumentException.class, () -> b.dma.bindDriver(nc, "two")).getMessage()
            .contains("driver one is bound already (-EBUSY)"));
        assertThrows(IllegalArgumentException.class, () -> b.dma.bindDriver(b.dev("dma-test-coh"), "a b"));
        assertEquals(Optional.of("one"), b.dma.driver(nc));
    }

    @Test
    void withoutDebuggingALeakIsARemark() {
        BootResultHolder plain = new BootResultHolder();
        DmaDevice nic = plain.dma.createDevice(DeviceSpec.pci("0000:00:02.0"));
        plain.dma.bindDriver(nic, "e1000e");
        plain.dma.allocCoherent(nic, 4096, Gfp.GFP_KERNEL).orElseThrow();
        List<String> out = plain.dma.unbindDriver(nic);
        assertEquals(1, out.size());
        assertTrue(out.get(0).contains("without DMA-API debugging Linux does not notice"), out.get(0));
    }

    /** Debian's kernel: no DMA-API debugging. */
    private static final class BootResultHolder {
        final org.dmasim.api.dma.DmaApi dma = Boots.dma(Boots.boot("qemu-virt-arm64-testdevs"));
    }

    @Test
    void aForcedOutBackendTakesItsEntriesAlong() {
        DmaDevice nc = b.dev("dma-test-nc");
        CoherentBuffer buf = b.dma.allocCoherent(nc, 20 << 10, Gfp.GFP_KERNEL).orElseThrow();
        assertEquals(1, b.debug.dump().size());
        BackendInstances instances = b.boot.lookup(BackendInstances.class).orElseThrow();
        instances.forceOut(instances.active("cma").orElseThrow().id());
        assertEquals(List.of(), b.debug.dump(), "the buffer is gone: no leak to report, nothing to dump");
        assertEquals(List.of(), b.kernelDuring(() -> assertThrows(IllegalArgumentException.class,
            () -> b.dma.freeCoherent(nc, 20 << 10, buf.cpuAddr(), buf.dmaHandle()))), "the revoked free is dmasim's");
    }
}
