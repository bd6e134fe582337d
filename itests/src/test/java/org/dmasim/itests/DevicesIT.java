package org.dmasim.itests;

import static org.junit.Assert.assertArrayEquals;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertTrue;

import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.dmasim.api.addr.UserAddr;
import org.dmasim.api.dma.DmaApi;
import org.dmasim.api.dma.SgTable;
import org.dmasim.api.mem.CpuCache;
import org.dmasim.api.mem.KernelVm;
import org.dmasim.api.mm.Gfp;
import org.dmasim.api.mm.Page;
import org.dmasim.api.mm.PageAllocator;
import org.dmasim.api.platform.Platform;
import org.dmasim.api.platform.Platform.State;
import org.dmasim.api.platform.PlatformConfig;
import org.dmasim.devices.api.BlockConfig;
import org.dmasim.devices.api.BlockDriver;
import org.dmasim.devices.api.DeviceModels;
import org.dmasim.devices.api.DriverBug;
import org.dmasim.devices.api.NetDriver;
import org.dmasim.devices.api.NicConfig;
import org.dmasim.samples.userdma.api.SimProcess;
import org.dmasim.samples.userdma.api.UserDma;
import org.dmasim.samples.userdma.api.UserDmaDevice;
import org.junit.Test;
import org.junit.runner.RunWith;
import org.ops4j.pax.exam.junit.PaxExam;
import org.ops4j.pax.exam.spi.reactors.ExamReactorStrategy;
import org.ops4j.pax.exam.spi.reactors.PerClass;
import org.osgi.framework.ServiceReference;

/**
 * Both shipped devices and the user-space DMA sample on a platform booted in Felix, driven through
 * the services a test of one's own would use ({@link DeviceModels}, {@link UserDma}).
 */
@RunWith(PaxExam.class)
@ExamReactorStrategy(PerClass.class)
public class DevicesIT extends DmasimTestSupport {
    private static final String BOARD = "qemu-virt-arm64-testdevs";

    private <T> T service(Class<T> type) {
        return context.getService(context.getServiceReference(type));
    }

    private static byte[] bytes(int len, int seed) {
        byte[] b = new byte[len];
        for (int i = 0; i < len; i++) {
            b[i] = (byte) (i * 5 + seed);
        }
        return b;
    }

    @Test
    public void theNicMovesFramesAndAMissingSyncShowsStaleData() throws Exception {
        createPlatform("nic", Map.of(PlatformConfig.PROFILE, BOARD));
        ServiceReference<Platform> ref = awaitState("nic", State.BOOTED);
        DeviceModels models = service(DeviceModels.class);
        withPlatform(ref, p -> {
            NetDriver nic = models.probeNic(p, "dma-test-nc", NicConfig.of(64));
            nic.xmit(bytes(1500, 1));
            assertArrayEquals(bytes(1500, 1), nic.wire().get(0));
            nic.receive(bytes(900, 2));
            assertArrayEquals(bytes(900, 2), nic.poll(8).get(0));
            nic.remove();

            NetDriver buggy = models.probeNic(p, "dma-test-nc", new NicConfig(NicConfig.of(64).limits(), 2, 2048, 64,
                Set.of(DriverBug.MISSING_RX_SYNC_FOR_CPU)));
            CpuCache cache = p.lookup(CpuCache.class).orElseThrow();
            buggy.receive(bytes(700, 3));
            buggy.receive(bytes(700, 4));
            buggy.poll(8);
            long stale = cache.stats().staleCpuReads();
            buggy.receive(bytes(700, 5));
            assertFalse("the recycled buffer reads as what the CPU had cached, not the frame",
                Arrays.equals(bytes(700, 5), buggy.poll(8).get(0)));
            assertEquals(stale + (700 + 63) / 64, cache.stats().staleCpuReads());
            buggy.remove();
            assertTrue(p.lookup(DmaApi.class).orElseThrow().mappings().isEmpty());
            return null;
        });
    }

    @Test
    public void theBlockDeviceAndBothUserDmaFlowsMoveTheSameBytes() throws Exception {
        createPlatform("blk", Map.of(PlatformConfig.PROFILE, BOARD));
        ServiceReference<Platform> ref = awaitState("blk", State.BOOTED);
        DeviceModels models = service(DeviceModels.class);
        UserDma userdma = service(UserDma.class);
        withPlatform(ref, p -> {
            BlockDriver blk = models.probeBlock(p, "dma-test-coh", BlockConfig.of(64));
            long phys = Page.pfnPhys(p.lookup(PageAllocator.class).orElseThrow().allocPages(Gfp.GFP_KERNEL, 1));
            KernelVm vm = p.lookup(DmaApi.class).orElseThrow().kernelVm();
            vm.cpuWrite(vm.linearAddress(phys), bytes(8192, 6));
            assertEquals(0, blk.transfer(true, 16, SgTable.of(new long[] {phys + 4096, phys}, new long[] {4096, 4096})));
            byte[] medium = blk.hw().readMedium(16, 8192);
            assertArrayEquals(java.util.Arrays.copyOfRange(bytes(8192, 6), 4096, 8192),
                java.util.Arrays.copyOf(medium, 4096));
            blk.remove();

            UserDmaDevice d = userdma.probe(p, "dma-test-nc", 16 * 1024);
            SimProcess proc = userdma.spawn(p, "proc");
            long addr = d.mmap(proc, 8192, 0);
            proc.write(new UserAddr(addr), bytes(8192, 7));
            assertEquals(List.of(d.stats().bufferPfn(), d.stats().bufferPfn() + 1), proc.pfns(new UserAddr(addr), 8192));
            assertEquals(0, d.xfer(0, 8192, 0));
            assertArrayEquals(bytes(8192, 7), d.hw().readMedium(0, 8192));
            UserAddr heap = proc.mmapAnonymous(300 * 1024);
            proc.write(heap, bytes(300 * 1024, 8));
            assertEquals(300 * 1024L, d.write(proc, heap, 300 * 1024, 64));
            assertArrayEquals(bytes(300 * 1024, 8), d.hw().readMedium(64, 300 * 1024));
            assertEquals(0, d.stats().bytesCopied());
            d.remove();
            return null;
        });
    }
}
