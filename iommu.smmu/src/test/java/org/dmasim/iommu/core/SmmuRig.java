package org.dmasim.iommu.core;

import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.dmasim.api.addr.DmaAddr;
import org.dmasim.api.device.DmaDevice;
import org.dmasim.api.dma.DmaApi;
import org.dmasim.api.dma.DmaDirection;
import org.dmasim.api.iommu.Iommu;
import org.dmasim.api.iommu.IommuCounters;
import org.dmasim.api.mem.CpuCache;
import org.dmasim.api.mem.KernelVm;
import org.dmasim.api.mm.Gfp;
import org.dmasim.api.mm.Page;
import org.dmasim.api.mm.PageAllocator;
import org.dmasim.platform.boot.BootResult;
import org.dmasim.platform.oracle.Platforms;

/**
 * A booted SMMUv3 platform with the handles the acceptance tests use: the DMA API, the IOMMU's
 * user view, the page allocator, the kernel's virtual memory and the device side of memory. A
 * device's access goes page by page (as a DMA engine's 4 KiB bursts do): each page's bus address
 * is translated by the SMMU, then the device's port reads or writes the physical bytes.
 */
final class SmmuRig {
    final BootResult boot;
    final DmaApi dma;
    final Iommu iommu;
    final PageAllocator buddy;
    final KernelVm vm;
    final CpuCache cache;

    SmmuRig(BootResult boot) {
        this.boot = boot;
        this.dma = SmmuBoots.dma(boot);
        this.iommu = SmmuBoots.iommu(boot);
        this.buddy = boot.lookup(PageAllocator.class).orElseThrow();
        this.vm = dma.kernelVm();
        this.cache = boot.lookup(CpuCache.class).orElseThrow();
    }

    /** The qemu-virt-arm64-smmuv3 profile. */
    static SmmuRig profile(String... keyValues) {
        return new SmmuRig(SmmuBoots.boot("qemu-virt-arm64-smmuv3", keyValues));
    }

    /** The profile with the device tree of test resource {@code dts/<resource>} instead of its own. */
    static SmmuRig dts(String resource, String... keyValues) {
        Map<String, Object> overrides = Platforms.overrides(keyValues);
        overrides.put("dtb", Platforms.resourceFile(SmmuRig.class, "/dts/" + resource));
        return new SmmuRig(SmmuBoots.boot("qemu-virt-arm64-smmuv3", overrides));
    }

    DmaDevice device(String name) {
        return dma.device(name).orElseThrow(() -> new AssertionError("no device " + name + " in " + dma.devices()));
    }

    DmaDevice edu() {
        return device("0000:00:02.0");
    }

    /** One page from the buddy allocator, its physical address. */
    long page() {
        return Page.pfnPhys(buddy.allocPages(Gfp.GFP_KERNEL, 0));
    }

    /** A block of 2^order pages, its physical address. */
    long block(int order) {
        return Page.pfnPhys(buddy.allocPages(Gfp.GFP_KERNEL, order));
    }

    long mapPage(DmaDevice dev, long phys, long size, DmaDirection dir) {
        return dma.mapPage(dev, Page.pfnDown(phys), phys & (Page.PAGE_SIZE - 1), size, dir, 0).value();
    }

    void unmapPage(DmaDevice dev, long handle, long size, DmaDirection dir) {
        dma.unmapPage(dev, new DmaAddr(handle), size, dir, 0);
    }

    /** The device reads {@code len} bytes at bus address {@code iova}, page by page. */
    byte[] deviceRead(DmaDevice dev, long iova, int len) {
        byte[] out = new byte[len];
        int done = 0;
        while (done < len) {
            long at = iova + done;
            int n = (int) Math.min(len - done, Page.PAGE_SIZE - (at & (Page.PAGE_SIZE - 1)));
            long phys = dma.deviceAccess(dev, new DmaAddr(at), n, false).value();
            System.arraycopy(cache.device(dev.coherent()).read(phys, n), 0, out, done, n);
            done += n;
        }
        return out;
    }

    /** The device writes {@code data} at bus address {@code iova}, page by page. */
    void deviceWrite(DmaDevice dev, long iova, byte[] data) {
        int done = 0;
        while (done < data.length) {
            long at = iova + done;
            int n = (int) Math.min(data.length - done, Page.PAGE_SIZE - (at & (Page.PAGE_SIZE - 1)));
            long phys = dma.deviceAccess(dev, new DmaAddr(at), n, true).value();
            cache.device(dev.coherent()).write(phys, Arrays.copyOfRange(data, done, done + n));
            done += n;
        }
    }

    /** What RAM holds at {@code phys}, read through the CPU (linear map). */
    byte[] cpuRead(long phys, int len) {
        return vm.cpuRead(vm.linearAddress(phys), len);
    }

    void cpuWrite(long phys, byte[] data) {
        vm.cpuWrite(vm.linearAddress(phys), data);
    }

    IommuCounters counters() {
        return iommu.counters();
    }

    /** The leaf lines of {@code Iommu.pageTable} (without the walk of the first IOVA that follows them). */
    List<String> leaves(org.dmasim.api.device.DmaDevice dev, long iova, long size) {
        return leafLines(iommu.pageTable(dev, iova, size));
    }

    /** The leaf lines of a page-table dump. */
    static List<String> leafLines(List<String> dump) {
        return dump.stream().filter(l -> !l.startsWith("walk ")).toList();
    }

    static byte[] pattern(int len, int seed) {
        byte[] b = new byte[len];
        for (int i = 0; i < len; i++) {
            b[i] = (byte) (i * 7 + seed * 31 + (i >>> 8));
        }
        return b;
    }
}
