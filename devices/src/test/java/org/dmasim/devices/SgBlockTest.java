package org.dmasim.devices;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Set;
import org.dmasim.api.addr.DmaAddr;
import org.dmasim.api.boot.Errno;
import org.dmasim.api.dma.SgTable;
import org.dmasim.api.mem.KernelVm;
import org.dmasim.api.mm.Gfp;
import org.dmasim.api.mm.Page;
import org.dmasim.api.mm.PageAllocator;
import org.dmasim.devices.api.BlockConfig;
import org.dmasim.devices.api.BlockDriver;
import org.dmasim.devices.api.BusLimits;
import org.dmasim.devices.api.DeviceError;
import org.dmasim.devices.api.DmaDescriptor;
import org.dmasim.devices.api.DriverBug;
import org.dmasim.platform.oracle.BootedPlatform;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The scatter-gather block device and its driver: requests of scattered pages reach the medium and
 * come back byte for byte; descriptors outside the engine's segment limits are refused with nothing
 * moved; media errors, timeouts and oversized requests end as a block driver ends them.
 */
class SgBlockTest {
    private final DeviceModelsComponent models = new DeviceModelsComponent();

    private record Rig(BootedPlatform p, BlockDriver blk, PageAllocator pages, KernelVm vm) {
        /** Physical addresses of {@code n} pages of one block of 2^order pages. */
        long block(int order) {
            return Page.pfnPhys(pages.allocPages(Gfp.GFP_KERNEL, order));
        }

        void fill(long phys, byte[] data) {
            vm.cpuWrite(vm.linearAddress(phys), data);
        }

        byte[] read(long phys, int len) {
            return vm.cpuRead(vm.linearAddress(phys), len);
        }
    }

    private Rig rig(String profile, String device, BlockConfig config) {
        BootedPlatform p = device.equals("blk0") ? Boards.x86("blk0") : Boards.boot(profile);
        return new Rig(p, models.probeBlock(p, device, config), p.lookup(PageAllocator.class).orElseThrow(),
            Boards.dma(p).kernelVm());
    }

    static byte[] data(int len, int seed) {
        byte[] b = new byte[len];
        for (int i = 0; i < len; i++) {
            b[i] = (byte) (i / 3 + seed * 17);
        }
        return b;
    }

    @ParameterizedTest
    @CsvSource({"qemu-virt-arm64-testdevs,dma-test-nc", "qemu-virt-arm64-testdevs,dma-test-coh", "pc-x86_64,blk0"})
    void scatteredPagesReachTheMediumAndComeBack(String profile, String device) {
        Rig r = rig(profile, device, BlockConfig.of(64));
        long[] phys = {r.block(0), r.block(0) + 0, r.block(0)};
        long[] len = {4096, 2048, 4096};
        byte[][] parts = {data(4096, 1), data(2048, 2), data(4096, 3)};
        for (int i = 0; i < 3; i++) {
            r.fill(phys[i], parts[i]);
        }
        assertEquals(0, r.blk().transfer(true, 8, SgTable.of(phys, len)));
        assertArrayEquals(parts[1], java.util.Arrays.copyOfRange(r.blk().hw().readMedium(8, 10240), 4096, 6144));
        long[] back = {r.block(0), r.block(0), r.block(0)};
        for (long b : back) {
            r.fill(b, new byte[4096]); // the CPU has the destination cached: the read must invalidate
        }
        assertEquals(0, r.blk().transfer(false, 8, SgTable.of(back, len)));
        for (int i = 0; i < 3; i++) {
            assertArrayEquals(parts[i], r.read(back[i], (int) len[i]), "entry " + i);
        }
        assertTrue(Boards.dma(r.p()).mappings().isEmpty(), "each request was unmapped");
        assertEquals(2, r.blk().hw().requestsCompleted());
    }

    @Test
    void aSegmentLongerThanTheEngineTakesIsRefusedAndTheCorrectDriverSplitsIt() {
        BlockConfig buggy = BlockConfig.of(64).withBugs(Set.of(DriverBug.IGNORES_SEGMENT_LIMITS));
        Rig r = rig("qemu-virt-arm64-testdevs", "dma-test-coh", buggy);
        long base = r.block(5); // 32 contiguous pages: 128 KiB
        long[] phys = new long[32];
        long[] len = new long[32];
        for (int i = 0; i < 32; i++) {
            phys[i] = base + i * 4096L;
            len[i] = 4096;
        }
        r.fill(base, data(128 * 1024, 4));
        assertEquals(-Errno.EIO, r.blk().transfer(true, 0, SgTable.of(phys, len)));
        assertArrayEquals(new byte[512], r.blk().hw().readMedium(0, 512), "nothing was written");
        assertEquals(1, r.blk().hw().bus().stats().refusedDescriptors());
        r.blk().remove();

        BlockDriver good = models.probeBlock(r.p(), "dma-test-coh", BlockConfig.of(64));
        assertEquals(0, good.transfer(true, 0, SgTable.of(phys, len)));
        assertArrayEquals(data(128 * 1024, 4), good.hw().readMedium(0, 128 * 1024));
    }

    @Test
    void aSegmentAcrossTheBoundaryIsRefused() {
        BlockConfig buggy = BlockConfig.of(64).withBugs(Set.of(DriverBug.IGNORES_SEGMENT_LIMITS));
        Rig r = rig("qemu-virt-arm64-testdevs", "dma-test-coh", buggy);
        long base = r.block(5); // 128 KiB aligned: pages 15 and 16 straddle a 64 KiB boundary
        long[] phys = {base + 15 * 4096L, base + 16 * 4096L};
        assertEquals(-Errno.EIO, r.blk().transfer(true, 0, SgTable.of(phys, new long[] {4096, 4096})));
        DeviceError e = assertThrows(DeviceError.class, () -> r.blk().hw().bus().checkDescriptor(
            new DmaDescriptor(new DmaAddr(base + 15 * 4096L), 8192)));
        assertEquals(DeviceError.Kind.SEGMENT_CROSSES_BOUNDARY, e.kind());
        assertEquals(String.format("dma-test-coh: descriptor [0x%x+0x2000] crosses the engine's 0x10000-byte segment"
            + " boundary at 0x%x: refused", base + 15 * 4096L, base + 0x10000), e.getMessage());
        DeviceError tooLong = assertThrows(DeviceError.class, () -> r.blk().hw().bus().checkDescriptor(
            new DmaDescriptor(new DmaAddr(base), 0x10001)));
        assertEquals(DeviceError.Kind.SEGMENT_TOO_LONG, tooLong.kind());
    }

    @Test
    void theProbeTellsTheDmaApiTheEnginesLimits() {
        Rig r = rig("qemu-virt-arm64-testdevs", "dma-test-nc", BlockConfig.of(32).withLimits(
            new BusLimits(32, 0x8000, 0xfff)));
        var dev = Boards.dma(r.p()).device("dma-test-nc").orElseThrow();
        assertEquals(0x8000, dev.maxSegmentSize());
        assertEquals(0xfff, dev.segmentBoundary());
        assertEquals(0xffffffffL, dev.dmaMask());
    }

    @Test
    void mediaErrorsTimeoutsAndOversizedRequestsEndAsABlockDriverEndsThem() {
        Rig r = rig("qemu-virt-arm64-testdevs", "dma-test-nc", BlockConfig.of(64));
        long base = r.block(2);
        r.fill(base, data(16384, 9));
        r.blk().hw().injectMediaError(3);
        assertEquals(-Errno.EIO, r.blk().transfer(true, 0, SgTable.one(base, 16384)));
        assertArrayEquals(java.util.Arrays.copyOf(data(16384, 9), 1536), r.blk().hw().readMedium(0, 1536),
            "the sectors before the bad one were written");
        assertArrayEquals(new byte[512], r.blk().hw().readMedium(3, 512));
        r.blk().hw().injectMediaError(-1);

        assertEquals(-Errno.EINVAL, r.blk().transfer(true, 0, SgTable.one(base, 1000)), "not whole sectors");

        r.blk().hw().stall(true);
        assertEquals(-Errno.ETIMEDOUT, r.blk().transfer(true, 0, SgTable.one(base, 4096)));
        r.blk().hw().stall(false);
        assertEquals(1, r.blk().hw().requestsCompleted(), "the aborted request never ran");
        assertTrue(Boards.dma(r.p()).mappings().isEmpty(), "every path unmapped");
    }
}
