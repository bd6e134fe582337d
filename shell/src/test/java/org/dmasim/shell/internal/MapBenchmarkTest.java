package org.dmasim.shell.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.reflect.Proxy;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.dmasim.api.addr.CpuAddr;
import org.dmasim.api.addr.DmaAddr;
import org.dmasim.api.boot.Errno;
import org.dmasim.api.device.DmaDevice;
import org.dmasim.api.dma.DmaApi;
import org.dmasim.api.mm.Page;
import org.dmasim.api.platform.Arch;
import org.dmasim.api.platform.BootLog;
import org.dmasim.api.platform.LogLine;
import org.dmasim.testing.FakeKernelVm;
import org.dmasim.testing.FakePageAllocator;
import org.junit.jupiter.api.Test;

/**
 * The map benchmark's loop, reduction and the tool's checks and lines, against a recording DMA
 * API: what the module does around each dma_map_single (stain, mask, restore, failure), not how
 * fast dma.core is (that is bench's MapBenchmark numbers and the itests' run on a real platform).
 */
class MapBenchmarkTest {
    private static final long RAM = 0x4000_0000L;

    /** A DMA API that sees only what the benchmark calls, and a device with a settable mask. */
    private static final class Recorder {
        final FakeKernelVm vm = new FakeKernelVm(Arch.ARM64, RAM, RAM + (16 << 20));
        final FakePageAllocator pages = FakePageAllocator.oneZone(RAM >> Page.PAGE_SHIFT, (RAM + (16 << 20)) >> 12);
        final AtomicLong mask = new AtomicLong(0xffff_ffffL);
        final AtomicLong maskDuringMaps = new AtomicLong();
        final AtomicInteger maps = new AtomicInteger();
        final AtomicInteger unmaps = new AtomicInteger();
        final AtomicInteger stainedMaps = new AtomicInteger();
        volatile int setMaskResult;
        volatile boolean failMaps;
        final BootLog log = new BootLog();
        final DmaDevice dev = (DmaDevice) Proxy.newProxyInstance(getClass().getClassLoader(),
            new Class<?>[] {DmaDevice.class}, (p, m, a) -> switch (m.getName()) {
                case "name" -> "dev0";
                case "dmaMask" -> mask.get();
                default -> throw new UnsupportedOperationException(m.getName());
            });
        final DmaApi api = (DmaApi) Proxy.newProxyInstance(getClass().getClassLoader(),
            new Class<?>[] {DmaApi.class}, (p, m, a) -> switch (m.getName()) {
                case "kernelVm" -> vm;
                case "setMask" -> {
                    if (setMaskResult == 0) {
                        mask.set((Long) a[1]);
                    }
                    yield setMaskResult;
                }
                case "mapSingle" -> map((CpuAddr) a[1], (Long) a[2]);
                case "unmapSingle" -> {
                    unmaps.incrementAndGet();
                    yield null;
                }
                case "mappingError" -> ((DmaAddr) a[1]).isMappingError() ? -Errno.ENOMEM : 0;
                default -> throw new UnsupportedOperationException(m.getName());
            });

        private DmaAddr map(CpuAddr buf, long size) {
            maps.incrementAndGet();
            maskDuringMaps.set(mask.get());
            if (failMaps) {
                return DmaAddr.MAPPING_ERROR;
            }
            byte[] b = vm.cpuRead(buf.value(), (int) size);
            boolean stained = true;
            for (byte x : b) {
                stained &= x == 0x66;
            }
            if (stained) {
                stainedMaps.incrementAndGet();
            }
            // the "device" overwrites the buffer: only a fresh stain makes the next map see 0x66 again
            vm.cpuFill(buf.value(), size, (byte) 0);
            return DmaAddr.of(vm.toPhys(buf.value()));
        }

        MapBenchmark.Result run(int dir, int bits, int granule) throws MapBenchmark.IoctlError {
            return new MapBenchmark(api, pages, log).run(dev, new MapBenchmark.Params(1, 1, -1, bits, dir, 0, granule));
        }

        List<String> printed() {
            return log.lines().stream().map(LogLine::text).toList();
        }
    }

    @Test
    void toDeviceStainsTheBufferBeforeEveryMapAndRestoresTheMask() throws Exception {
        Recorder r = new Recorder();
        MapBenchmark.Result res = r.run(1, 24, 2);
        assertTrue(res.loops() > 0, "loops in one second: " + res.loops());
        assertEquals(res.loops(), r.maps.get());
        assertEquals(r.maps.get(), r.unmaps.get());
        assertEquals(r.maps.get(), r.stainedMaps.get(), "every TO_DEVICE map sees the 0x66 stain");
        assertEquals(0xff_ffffL, r.maskDuringMaps.get(), "DMA_BIT_MASK(24) while mapping");
        assertEquals(0xffff_ffffL, r.mask.get(), "the device's own mask afterwards");
        assertEquals(List.of(), r.printed());
        synchronized (r.pages) {
            assertEquals(1, r.pages.allocCalls.size());
            assertEquals(1, r.pages.allocCalls.get(0).order(), "2 pages: get_order = 1");
        }
        assertEquals(0, r.pages.takenPages(), "the buffer's pages given back");
    }

    @Test
    void fromDeviceLeavesTheBufferAlone() throws Exception {
        Recorder r = new Recorder();
        r.run(2, 64, 1);
        assertTrue(r.maps.get() > 1);
        assertEquals(0, r.stainedMaps.get(), "FROM_DEVICE: no CPU writes before the map");
        assertEquals(-1L, r.maskDuringMaps.get(), "DMA_BIT_MASK(64)");
    }

    @Test
    void aFailedMapEndsTheRunWithEnomemAndTheModulesLine() {
        Recorder r = new Recorder();
        r.failMaps = true;
        MapBenchmark.IoctlError e = assertThrows(MapBenchmark.IoctlError.class, () -> r.run(0, 32, 1));
        assertEquals(-Errno.ENOMEM, e.errno);
        assertEquals(1, r.maps.get(), "the thread stops at its first failure");
        assertEquals(0, r.unmaps.get());
        assertEquals(List.of("dma_map_benchmark: dma_map_single failed on dev0"), r.printed());
        assertEquals(0xffff_ffffL, r.mask.get(), "mask restored after a failed run too");
    }

    @Test
    void aMaskTheDeviceRefusesIsEinvalBeforeAnyThreadRuns() {
        Recorder r = new Recorder();
        r.setMaskResult = -5;
        MapBenchmark.IoctlError e = assertThrows(MapBenchmark.IoctlError.class, () -> r.run(0, 24, 1));
        assertEquals(-Errno.EINVAL, e.errno);
        assertEquals(0, r.maps.get());
        assertEquals(List.of("dma_map_benchmark: failed to set dma_mask on device dev0"), r.printed());
    }

    @Test
    void theModuleRefusesANodeThePlatformDoesNotHave() {
        Recorder r = new Recorder();
        MapBenchmark.IoctlError e = assertThrows(MapBenchmark.IoctlError.class,
            () -> new MapBenchmark(r.api, r.pages, r.log).run(r.dev, new MapBenchmark.Params(1, 1, 1, 32, 0, 0, 1)));
        assertEquals(-Errno.EINVAL, e.errno);
        assertEquals(List.of("dma_map_benchmark: invalid numa node"), r.printed());
        assertEquals(0xffff_ffffL, r.mask.get(), "nothing changed");
    }

    @Test
    void theToolsChecksAndMessages() {
        assertNull(new MapBenchmark.Params(1, 20, -1, 32, 0, 0, 1).toolError());
        assertEquals("invalid number of threads, must be in 1-1024",
            new MapBenchmark.Params(0, 20, -1, 32, 0, 0, 1).toolError());
        assertEquals("invalid number of threads, must be in 1-1024",
            new MapBenchmark.Params(1025, 20, -1, 32, 0, 0, 1).toolError());
        assertEquals("invalid number of seconds, must be in 1-300",
            new MapBenchmark.Params(1, 301, -1, 32, 0, 0, 1).toolError());
        assertEquals("invalid transmit delay, must be in 0-10000000",
            new MapBenchmark.Params(1, 1, -1, 32, 0, 10_000_001, 1).toolError());
        assertEquals("invalid dma mask bit, must be in 20-64", new MapBenchmark.Params(1, 1, -1, 19, 0, 0, 1).toolError());
        assertEquals("invalid dma direction", new MapBenchmark.Params(1, 1, -1, 32, 3, 0, 1).toolError());
        assertEquals("invalid granule size", new MapBenchmark.Params(1, 1, -1, 32, 0, 0, 1025).toolError());
        assertEquals("dma mapping benchmark: threads:16 seconds:10 node:0 dir:FROM_DEVICE granule: 8",
            new MapBenchmark.Params(16, 10, 0, 32, 2, 0, 8).headline());
    }

    @Test
    void resultLinesPrintTenthsOfMicrosecondsAsTheToolDoes() {
        // the figures of the benchmark's first published run (16 threads, 10 s)
        assertEquals(List.of("average map latency(us):1.1 standard deviation:1.9",
            "average unmap latency(us):0.5 standard deviation:0.8"),
            new MapBenchmark.Result(11, 19, 5, 8, 1000).lines());
    }

    @Test
    void reductionIsTheModulesIntegerArithmetic() {
        // latencies 1, 2, 3 (x 100 ns): average 2, E[x^2] = 14/3 = 4, variance 4 - 4 = 0
        assertEquals(List.of(2L, 0L), List.of(MapBenchmark.averageAndStddev(6, 14, 3)[0],
            MapBenchmark.averageAndStddev(6, 14, 3)[1]));
        // 0 and 10: average 5, E[x^2] 50, variance 25, deviation 5
        assertEquals(5L, MapBenchmark.averageAndStddev(10, 100, 2)[1]);
        assertEquals(0, MapBenchmark.intSqrt64(0));
        assertEquals(3, MapBenchmark.intSqrt64(15));
        assertEquals(4, MapBenchmark.intSqrt64(16));
        assertEquals(0xffff_ffffL, MapBenchmark.intSqrt64(-1L), "unsigned: sqrt(2^64 - 1)");
        assertEquals(0, MapBenchmark.getOrder(Page.PAGE_SIZE));
        assertEquals(1, MapBenchmark.getOrder(2 * Page.PAGE_SIZE));
        assertEquals(2, MapBenchmark.getOrder(3 * Page.PAGE_SIZE));
        assertEquals(10, MapBenchmark.getOrder(1024 * Page.PAGE_SIZE));
    }

    @Test
    void numbersAreReadWithAtoi() {
        assertEquals(0, MapBenchmarkCommands.atoi("abc"));
        assertEquals(-1, MapBenchmarkCommands.atoi(" -1x"));
        assertEquals(16, MapBenchmarkCommands.atoi("+16"));
        assertEquals(1, MapBenchmarkCommands.atoi("4294967297"), "strtol, then the int keeps the low 32 bits");
        assertEquals(-1, MapBenchmarkCommands.atoi("99999999999999999999"), "LONG_MAX cast to int");
    }
}
