package org.dmasim.dma.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.dmasim.api.device.DmaDevice;
import org.dmasim.api.dma.DmaApi;
import org.dmasim.api.dma.DmaApiDebug;
import org.dmasim.api.mem.KernelVm;
import org.dmasim.api.mm.Gfp;
import org.dmasim.api.mm.Page;
import org.dmasim.api.mm.PageAllocator;
import org.dmasim.api.platform.LogLine;
import org.dmasim.platform.boot.BootResult;
import org.dmasim.platform.oracle.Platforms;
import org.junit.jupiter.api.function.Executable;

/** A platform booted with {@code DMA_API_DEBUG=y}, and what the DMA-API debug tests read of it. */
final class DebugBoot {
    final BootResult boot;
    final DmaApi dma;
    final DmaApiDebug debug;
    final PageAllocator buddy;
    final KernelVm vm;

    private DebugBoot(BootResult boot) {
        this.boot = boot;
        this.dma = Boots.dma(boot);
        this.debug = dma.dmaDebug().orElseThrow();
        this.buddy = boot.lookup(PageAllocator.class).orElseThrow();
        this.vm = dma.kernelVm();
    }

    /**
     * Boots {@code profile} with DMA-API debugging.
     *
     * @param cmdline the kernel command line, or null for the profile's
     * @param kconfig more Kconfig options, {@code OPTION=VALUE}
     */
    static DebugBoot of(String profile, String cmdline, String... kconfig) {
        Map<String, Object> overrides = new HashMap<>();
        List<String> k = new ArrayList<>(List.of("DMA_API_DEBUG=y"));
        k.addAll(List.of(kconfig));
        overrides.put("kconfig", k.toArray(new String[0]));
        if (cmdline != null) {
            overrides.put("cmdline", cmdline);
        }
        return new DebugBoot(Platforms.bootProfile(profile, overrides, new DmaCoreBoot()));
    }

    /** qemu-virt-arm64 with the test devices. */
    static DebugBoot arm64() {
        return of("qemu-virt-arm64-testdevs", null);
    }

    /** qemu-virt-arm64 with the test devices, running {@code kernel} (6.1 or 6.12). */
    static DebugBoot arm64(String kernel) {
        Map<String, Object> overrides = new HashMap<>();
        overrides.put("kconfig", new String[] {"DMA_API_DEBUG=y"});
        overrides.put("kernel", kernel);
        return new DebugBoot(Platforms.bootProfile("qemu-virt-arm64-testdevs", overrides, new DmaCoreBoot()));
    }

    DmaDevice dev(String name) {
        return dma.device(name).orElseThrow();
    }

    /** A ZONE_DMA block of 2^order pages (below 4 GiB, where every test device reaches). */
    long pages(int order) {
        long pfn = buddy.allocPages(Gfp.GFP_KERNEL | Gfp.GFP_DMA, order);
        assertTrue(pfn >= 0);
        return Page.pfnPhys(pfn);
    }

    long page() {
        return pages(0);
    }

    /** The lines a call printed: kernel lines as they are, dmasim remarks with their {@code dmasim: } prefix. */
    List<String> during(Runnable call) {
        int before = boot.log().lines().size();
        call.run();
        return since(before);
    }

    /** The kernel lines a call printed. */
    List<String> kernelDuring(Runnable call) {
        return during(call).stream().filter(l -> !l.startsWith("dmasim: ")).toList();
    }

    /** The lines a refused call printed; it must throw {@link IllegalArgumentException}. */
    List<String> refused(Executable call) {
        int before = boot.log().lines().size();
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, call);
        List<String> out = since(before);
        List<String> message = e.getMessage().lines().toList();
        String remark = message.get(message.size() - 1);
        assertTrue(out.contains("dmasim: " + remark), "the refusal is a dmasim remark: " + out);
        assertTrue(remark.contains(": refused, nothing changed"), e.getMessage());
        assertEquals(out.stream().filter(l -> !l.startsWith("dmasim: ")).toList(), message.subList(0,
            message.size() - 1), "the refusal starts with what DMA-API debugging printed for the call");
        return out;
    }

    /** The kernel lines of a refused call. */
    List<String> kernelRefused(Executable call) {
        return refused(call).stream().filter(l -> !l.startsWith("dmasim: ")).toList();
    }

    private List<String> since(int before) {
        List<LogLine> all = boot.log().lines();
        return all.subList(before, all.size()).stream()
            .map(l -> l.isKernel() ? l.text() : "dmasim: " + l.text()).toList();
    }

    /** {@code %016x}, as the messages print device addresses (with 0x) and %p addresses (without). */
    static String hex16(long v) {
        return String.format("%016x", v);
    }
}
