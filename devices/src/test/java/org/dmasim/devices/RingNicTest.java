package org.dmasim.devices;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.List;
import java.util.Set;
import org.dmasim.api.dma.DmaApi;
import org.dmasim.api.mem.CpuCache;
import org.dmasim.api.swiotlb.SwiotlbPool;
import org.dmasim.api.swiotlb.SwiotlbStats;
import org.dmasim.devices.api.BusLimits;
import org.dmasim.devices.api.DriverBug;
import org.dmasim.devices.api.NetDriver;
import org.dmasim.devices.api.NicConfig;
import org.dmasim.platform.oracle.BootedPlatform;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

/**
 * The ring network device and its driver: frames cross the bus byte for byte where the driver
 * syncs as it must; a forgotten {@code dma_sync_single_for_cpu} reads stale data on a non-coherent
 * arm64 device only; a 32-bit device behind a 64-bit mask truncates its addresses.
 */
class RingNicTest {
    private final DeviceModelsComponent models = new DeviceModelsComponent();

    static byte[] frame(int len, int seed) {
        byte[] b = new byte[len];
        for (int i = 0; i < len; i++) {
            b[i] = (byte) (i * 7 + seed * 31 + 1);
        }
        return b;
    }

    private static BootedPlatform board(String kind) {
        return kind.equals("x86") ? Boards.x86("nic0") : Boards.boot("qemu-virt-arm64-testdevs");
    }

    private static String device(String kind) {
        return switch (kind) {
            case "arm64-nc" -> "dma-test-nc";
            case "arm64-coh" -> "dma-test-coh";
            default -> "nic0";
        };
    }

    @ParameterizedTest
    @CsvSource({"arm64-nc", "arm64-coh", "x86"})
    void aCorrectDriverMovesEveryByteBothWays(String kind) {
        BootedPlatform p = board(kind);
        NetDriver nic = models.probeNic(p, device(kind), NicConfig.of(64));
        List<byte[]> sent = List.of(frame(60, 1), frame(1514, 2), frame(333, 3));
        for (byte[] f : sent) {
            assertEquals(NetDriver.NETDEV_TX_OK, nic.xmit(f));
        }
        assertFrames(sent, nic.wire());
        // 40 frames through a 16-entry ring: every RX buffer is recycled twice or more.
        for (int round = 0; round < 5; round++) {
            List<byte[]> in = List.of(frame(64 + round, 10 * round), frame(1500 - round, 10 * round + 1),
                frame(100, 10 * round + 2), frame(900, 10 * round + 3), frame(77, 10 * round + 4),
                frame(1024, 10 * round + 5), frame(128, 10 * round + 6), frame(2048, 10 * round + 7));
            in.forEach(f -> assertTrue(nic.receive(f)));
            assertFrames(in, nic.poll(64));
        }
        assertEquals(new NetDriver.NicStats(3, 0, 0, 40, 0, 0), nic.stats());
        DmaApi dma = Boards.dma(p);
        assertEquals(16, dma.mappings().size(), "the RX buffers stay mapped; sent frames were unmapped");
        nic.remove();
        assertTrue(dma.mappings().isEmpty(), "remove unmapped every buffer");
        assertTrue(dma.allocations().stream().noneMatch(b -> b.device().equals(device(kind))), "rings freed");
        assertTrue(models.nic(p, device(kind)).isEmpty(), "unbound");
    }

    private static void assertFrames(List<byte[]> expected, List<byte[]> actual) {
        assertEquals(expected.size(), actual.size());
        for (int i = 0; i < expected.size(); i++) {
            assertArrayEquals(expected.get(i), actual.get(i), "frame " + i);
        }
    }

    /** Two-entry rings, so that the third frame lands in the first frame's recycled buffer. */
    private static NicConfig buggy() {
        return new NicConfig(BusLimits.of(64), 2, 2048, 64, Set.of(DriverBug.MISSING_RX_SYNC_FOR_CPU));
    }

    @Test
    void aMissingSyncForCpuReadsTheStaleCachedFrameOnANonCoherentDevice() {
        BootedPlatform p = Boards.boot("qemu-virt-arm64-testdevs");
        CpuCache cache = p.lookup(CpuCache.class).orElseThrow();
        NetDriver nic = models.probeNic(p, "dma-test-nc", buggy());
        byte[] a = frame(1000, 1);
        byte[] b = frame(1000, 2);
        byte[] c = frame(1000, 3);
        nic.receive(a);
        nic.receive(b);
        assertFrames(List.of(a, b), nic.poll(8)); // nothing of these buffers was cached before
        long staleBefore = cache.stats().staleCpuReads();
        nic.receive(c);
        byte[] got = nic.poll(8).get(0);
        assertArrayEquals(a, got, "the CPU read its cached copy of the first frame, not what the device wrote");
        assertEquals(staleBefore + (1000 + 63) / 64, cache.stats().staleCpuReads(), "every line was stale");

        // The same driver with the sync reads what the device wrote.
        nic.remove();
        NetDriver good = models.probeNic(p, "dma-test-nc", buggy().withBugs(Set.of()));
        good.receive(a);
        good.receive(b);
        good.poll(8);
        good.receive(c);
        assertArrayEquals(c, good.poll(8).get(0));
    }

    @ParameterizedTest
    @CsvSource({"arm64-coh", "x86"})
    void theSameMissingSyncIsHarmlessWhereTheDeviceSnoops(String kind) {
        BootedPlatform p = board(kind);
        NetDriver nic = models.probeNic(p, device(kind), buggy());
        byte[] a = frame(1000, 1);
        byte[] c = frame(1000, 3);
        nic.receive(a);
        nic.receive(frame(1000, 2));
        nic.poll(8);
        nic.receive(c);
        assertArrayEquals(c, nic.poll(8).get(0));
    }

    @Test
    void aThirtyTwoBitDeviceBehindASixtyFourBitMaskTruncatesItsAddresses() {
        // arm64-split-4g: with a 64-bit mask the rings and buffers come from the bank at 0x400000000;
        // the engine drives 32 address lines, so 0x4xxxxxxxx becomes 0x0xxxxxxxx, where no RAM is:
        // the first descriptor fetch ends in a bus error and the engines halt.
        BootedPlatform p = Boards.boot("arm64-split-4g");
        NetDriver nic = models.probeNic(p, "9200000.dma-controller", NicConfig.of(32).withMaskBits(64));
        assertTrue(Boards.dma(p).mappings().stream().allMatch(m -> m.dmaHandle() > 0xffffffffL),
            "with a 64-bit mask dma-direct maps the high bank as it is");
        assertEquals(NetDriver.NETDEV_TX_OK, nic.xmit(frame(200, 1)));
        assertTrue(nic.wire().isEmpty(), "nothing sent");
        assertTrue(nic.hardwareError().orElseThrow().contains("DMA bus error at 0x"), nic.hardwareError().get());
        assertTrue(nic.hardwareError().get().contains("the device drives 32 address bits"));
        assertFalse(nic.receive(frame(64, 2)), "a halted device receives nothing");
        nic.poll(8);
        assertEquals(0, nic.stats().txPackets(), "the frame never completes: the stack's TX watchdog would fire");
        assertEquals(1, nic.bus().stats().busErrors());
        assertTrue(nic.bus().stats().truncatedAccesses() > 0);
        nic.remove();
        assertTrue(Boards.dma(p).mappings().isEmpty());
    }

    @Test
    void onX86TheTruncatedAddressReadsOtherMemoryWithoutAnyError() {
        // pc-x86_64 has RAM at 0 as well: the truncated ring address lands in RAM that is not the
        // ring. The device reads a "descriptor" it does not own there, so it sends nothing and
        // reports nothing: the frame simply never leaves, as on hardware.
        BootedPlatform p = Boards.x86("nic32");
        NetDriver nic = models.probeNic(p, "nic32", NicConfig.of(32).withMaskBits(64));
        assertTrue(Boards.dma(p).allocations().stream().filter(b -> b.device().equals("nic32"))
            .allMatch(b -> b.dmaHandle() > 0xffffffffL), "the rings lie above 4 GiB");
        nic.xmit(frame(200, 5));
        assertTrue(nic.wire().isEmpty());
        assertTrue(nic.hardwareError().isEmpty(), "RAM answered: no bus error");
        assertFalse(nic.receive(frame(64, 2)), "the RX engine finds no posted buffer either");
        nic.poll(8);
        assertEquals(new NetDriver.NicStats(0, 0, 0, 0, 1, 0), nic.stats());
        assertTrue(nic.bus().stats().truncatedAccesses() > 0);
    }

    @Test
    void aThirtyTwoBitMaskOnTheSplitBoardBouncesThroughSwiotlb() {
        // The correct driver: a 32-bit mask. Its RX buffers in the high bank are beyond the mask, so
        // dma-direct bounces them through swiotlb, which the board has (RAM above 4 GiB): every RX
        // handle is a bounce slot below 4 GiB, and frames arrive intact both ways.
        BootedPlatform p = Boards.boot("arm64-split-4g");
        NetDriver nic = models.probeNic(p, "9200000.dma-controller", NicConfig.of(32));
        DmaApi dma = Boards.dma(p);
        SwiotlbPool tlb = p.lookup(SwiotlbPool.class).orElseThrow();
        assertEquals(16, dma.mappings().size());
        assertTrue(dma.mappings().stream().allMatch(m -> m.dmaHandle() <= 0xffffffffL
            && tlb.isSwiotlbBuffer(m.dmaHandle()) && m.phys() > 0xffffffffL), "high-bank buffers, bounce handles");
        List<byte[]> in = List.of(frame(1500, 1), frame(64, 2), frame(900, 3));
        in.forEach(f -> assertTrue(nic.receive(f)));
        assertFrames(in, nic.poll(8));
        byte[] out = frame(1000, 4);
        assertEquals(NetDriver.NETDEV_TX_OK, nic.xmit(out));
        assertFrames(List.of(out), nic.wire());
        SwiotlbStats.DeviceBounces b = tlb.stats().devices().stream()
            .filter(d -> d.device().equals("9200000.dma-controller")).findFirst().orElseThrow();
        assertTrue(b.copiesFromBounce() >= 3 && b.bytesToBounce() >= 1000, b.toString());
        assertTrue(nic.hardwareError().isEmpty());
        nic.remove();
        assertTrue(dma.mappings().isEmpty());
        assertEquals(0, tlb.stats().used(), "every slot back");
    }

    @Test
    void bindingTwiceOrAnUnknownDeviceIsRefused() {
        BootedPlatform p = Boards.boot("qemu-virt-arm64-testdevs");
        models.probeNic(p, "dma-test-coh", NicConfig.of(64));
        assertTrue(assertThrows(IllegalArgumentException.class,
            () -> models.probeNic(p, "dma-test-coh", NicConfig.of(64))).getMessage().contains("already has a driver"));
        assertTrue(assertThrows(IllegalArgumentException.class,
            () -> models.probeNic(p, "eth9", NicConfig.of(64))).getMessage().contains("no device 'eth9'"));
    }
}
