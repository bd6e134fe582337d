package org.dmasim.bench;

import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.dmasim.api.addr.CpuAddr;
import org.dmasim.api.addr.DmaAddr;
import org.dmasim.api.device.DmaDevice;
import org.dmasim.api.dma.DeviceSpec;
import org.dmasim.api.dma.DmaApi;
import org.dmasim.api.dma.DmaDirection;
import org.dmasim.api.mem.PhysMemory;
import org.dmasim.api.mm.Gfp;
import org.dmasim.api.mm.Page;
import org.dmasim.api.mm.PageAllocator;
import org.dmasim.api.swiotlb.SwiotlbPool;
import org.dmasim.dma.core.DmaCoreBoot;
import org.dmasim.platform.boot.BootResult;
import org.dmasim.platform.oracle.Platforms;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Issue 8's bounce budget: {@code dma_map_single} + {@code dma_unmap_single} DMA_TO_DEVICE of a
 * 64 KiB and of a 4 KiB buffer that a 32-bit PCI device on {@code pc-x86_64} cannot reach (the
 * buffer lies in ZONE_NORMAL, above 4 GiB), so swiotlb bounces it: slots found and freed, and the
 * buffer copied into the bounce buffer by the CPU at map time (TO_DEVICE copies nothing back at
 * unmap). Against {@code System.arraycopy} of the same sizes between two byte arrays in the same
 * run: the target is at least half arraycopy's bandwidth at 64 KiB, i.e. a map+unmap costs at
 * most twice the arraycopy's time. The buffer holds random bytes, so the copies move real data
 * through the memory model (the CPU cache model of x86: coherent, every copy a cacheable one).
 *
 * <p>A second baseline, {@code arraycopyRing*}, copies the same bytes into a ring as large as the
 * pool, moving on by the copy's size each time, as swiotlb's next-fit cursor moves through the
 * pool: the memory traffic the kernel's algorithm makes on any machine. With the default 64 MiB
 * pool neither the bounce buffers nor that ring stay in the caches, so the bounce is compared with
 * both: with the hot arraycopy as the issue words it, and with the ring for what the memory costs.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
@State(Scope.Thread)
public class SwiotlbBounceBenchmark {
    static final int BIG = 64 << 10;
    static final int SMALL = 4 << 10;

    /** The pool: the default 64 MiB, or a {@code swiotlb=<nslabs>} one. */
    @Param({"default", "2048"})
    public String swiotlb;

    private DmaApi dma;
    private DmaDevice dev;
    private CpuAddr big;
    private CpuAddr small;
    private final byte[] src = new byte[BIG];
    private final byte[] dst = new byte[BIG];
    /** As large as the pool; {@link #at} moves through it as the cursor moves through the slots. */
    private byte[] ring;
    private int at;

    @Setup
    public void boot() {
        Map<String, Object> config = swiotlb.equals("default") ? Map.of()
            : Map.of("cmdline", "console=ttyS0 nokaslr swiotlb=" + swiotlb);
        BootResult booted = Platforms.bootProfile("pc-x86_64", config, new DmaCoreBoot());
        dma = booted.lookup(DmaApi.class).orElseThrow();
        dev = dma.createDevice(DeviceSpec.pci("nic32"));
        dma.setMaskAndCoherent(dev, 0xffffffffL);
        PageAllocator buddy = booted.lookup(PageAllocator.class).orElseThrow();
        PhysMemory memory = booted.lookup(PhysMemory.class).orElseThrow();
        new Random(1).nextBytes(src);
        big = buffer(buddy, memory, BIG);
        small = buffer(buddy, memory, SMALL);
        DmaAddr probe = dma.mapSingle(dev, big, BIG, DmaDirection.TO_DEVICE, 0);
        SwiotlbPool pool = booted.lookup(SwiotlbPool.class).orElseThrow();
        if (!pool.isSwiotlbBuffer(probe.value())) {
            throw new IllegalStateException("the 64 KiB buffer was not bounced: " + probe);
        }
        dma.unmapSingle(dev, probe, BIG, DmaDirection.TO_DEVICE, 0);
        ring = new byte[(int) (pool.nslabs() << SwiotlbPool.IO_TLB_SHIFT)];
        for (int i = 0; i < ring.length; i += BIG) {
            System.arraycopy(src, 0, ring, i, BIG); // touched once, as the pool's pages are
        }
    }

    /** A ZONE_NORMAL (above 4 GiB) buffer of random bytes, by its linear-map address. */
    private CpuAddr buffer(PageAllocator buddy, PhysMemory memory, int size) {
        long phys = Page.pfnPhys(buddy.allocPages(Gfp.GFP_KERNEL, Page.getOrder(size)));
        if (phys < 0x100000000L) {
            throw new IllegalStateException("expected a buffer above 4 GiB, got 0x" + Long.toHexString(phys));
        }
        memory.write(phys, src, 0, size);
        return new CpuAddr(dma.kernelVm().linearAddress(phys));
    }

    private long mapUnmap(CpuAddr buf, int size) {
        DmaAddr a = dma.mapSingle(dev, buf, size, DmaDirection.TO_DEVICE, 0);
        dma.unmapSingle(dev, a, size, DmaDirection.TO_DEVICE, 0);
        return a.value();
    }

    @Benchmark
    public long bounce64k() {
        return mapUnmap(big, BIG);
    }

    @Benchmark
    public long bounce4k() {
        return mapUnmap(small, SMALL);
    }

    @Benchmark
    public byte[] arraycopy64k() {
        System.arraycopy(src, 0, dst, 0, BIG);
        return dst;
    }

    @Benchmark
    public byte[] arraycopy4k() {
        System.arraycopy(src, 0, dst, 0, SMALL);
        return dst;
    }

    private byte[] ringCopy(int size) {
        System.arraycopy(src, 0, ring, at, size);
        at += size;
        if (at + size > ring.length) {
            at = 0;
        }
        return ring;
    }

    @Benchmark
    public byte[] arraycopyRing64k() {
        return ringCopy(BIG);
    }

    @Benchmark
    public byte[] arraycopyRing4k() {
        return ringCopy(SMALL);
    }
}
