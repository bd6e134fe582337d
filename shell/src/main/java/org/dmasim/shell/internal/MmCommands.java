package org.dmasim.shell.internal;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.felix.service.command.Descriptor;
import org.apache.felix.service.command.Parameter;
import org.dmasim.api.cma.CmaAreas;
import org.dmasim.api.mem.KernelVm;
import org.dmasim.api.mm.Gfp;
import org.dmasim.api.mm.MmRules;
import org.dmasim.api.mm.MigrationStats;
import org.dmasim.api.mm.Page;
import org.dmasim.api.mm.PageAllocator;
import org.dmasim.api.platform.LogLine;
import org.dmasim.api.platform.Platform;
import org.dmasim.api.slab.Kmalloc;
import org.dmasim.api.slab.KmallocObject;
import org.dmasim.shell.format.KmallocDTO;
import org.dmasim.shell.format.PagesDTO;
import org.dmasim.shell.format.ResultDTO;
import org.dmasim.shell.format.ShellFormatter;
import org.dmasim.shell.format.TextDTO;
import org.dmasim.shell.format.VmstatDTO;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.component.annotations.ReferencePolicyOption;

/**
 * Gogo scope {@code mm}: the page allocator's entry points ({@code mm/page_alloc.c}), kmalloc
 * ({@code mm/slab_common.c}, {@code mm/slub.c}), {@code /proc/meminfo} and {@code /proc/slabinfo}.
 * Numbers are decimal or 0x-hex; GFP flags by name joined with ',' or '+'.
 */
@Component(service = MmCommands.class, property = {
    "osgi.command.scope=mm",
    "osgi.command.function=alloc_pages",
    "osgi.command.function=__free_pages",
    "osgi.command.function=__get_free_pages",
    "osgi.command.function=get_zeroed_page",
    "osgi.command.function=__get_dma_pages",
    "osgi.command.function=free_pages",
    "osgi.command.function=meminfo",
    "osgi.command.function=vmstat",
    "osgi.command.function=kmalloc",
    "osgi.command.function=kzalloc",
    "osgi.command.function=kfree",
    "osgi.command.function=ksize",
    "osgi.command.function=slabinfo"
})
public class MmCommands {
    private static final String ORDER = "order 0..10: 2^order pages";

    @Reference(name = "platform", cardinality = ReferenceCardinality.MULTIPLE,
        policy = ReferencePolicy.DYNAMIC, policyOption = ReferencePolicyOption.GREEDY)
    volatile List<Platform> platforms;

    private Platform platform(String name) {
        return PlatformSelector.select(platforms, name);
    }

    private PageAllocator buddy(Platform p) {
        return PlatformSelector.facility(p, PageAllocator.class, "mm.buddy");
    }

    /** Parses the flags with the platform's GFP table, adds {@code extra}, allocates. */
    private PagesDTO alloc(String platform, String function, List<String> args, String gfpText, int extra, int order) {
        Platform p = platform(platform);
        PageAllocator buddy = buddy(p);
        MmRules rules = Args.gfpTable(p);
        int gfp = Args.gfp(rules, gfpText) | extra;
        if (function.equals("__get_free_pages") && (gfp & Gfp.__GFP_HIGHMEM) != 0) {
            throw new IllegalArgumentException("__get_free_pages: gfp " + rules.formatGfp(gfp)
                + " has __GFP_HIGHMEM (expected: lowmem flags; highmem pages have no kernel address)");
        }
        long pfn = buddy.allocPages(gfp, order);
        if (pfn == PageAllocator.NO_PAGE) {
            throw new IllegalStateException(String.format("%s(%s) returned NULL on %s", function, String.join(", ", args),
                p.name()));
        }
        long kva = p.lookup(KernelVm.class).map(vm -> vm.linearAddress(Page.pfnPhys(pfn))).orElse(0L);
        return PagesDTO.of(p.name(), function, args, pfn, order, buddy.zoneOf(pfn).map(Enum::name).orElse("?"), kva);
    }

    @Descriptor("a block of 2^order pages from the buddy allocator")
    public PagesDTO alloc_pages(
        @Parameter(names = {"-p", "--platform"}, absentValue = "") @Descriptor(Args.PLATFORM) String platform,
        @Descriptor(Args.GFP) String gfp, @Descriptor(ORDER) int order) {
        return alloc(platform, "alloc_pages", List.of(gfp, Integer.toString(order)), gfp, 0, order);
    }

    @Descriptor("like alloc_pages, for lowmem (use the kva)")
    public PagesDTO __get_free_pages(
        @Parameter(names = {"-p", "--platform"}, absentValue = "") @Descriptor(Args.PLATFORM) String platform,
        @Descriptor(Args.GFP) String gfp, @Descriptor(ORDER) int order) {
        return alloc(platform, "__get_free_pages", List.of(gfp, Integer.toString(order)), gfp, 0, order);
    }

    @Descriptor("one zeroed page")
    public PagesDTO get_zeroed_page(
        @Parameter(names = {"-p", "--platform"}, absentValue = "") @Descriptor(Args.PLATFORM) String platform,
        @Descriptor(Args.GFP) String gfp) {
        return alloc(platform, "get_zeroed_page", List.of(gfp), gfp, Gfp.__GFP_ZERO, 0);
    }

    @Descriptor("__get_free_pages from ZONE_DMA")
    public PagesDTO __get_dma_pages(
        @Parameter(names = {"-p", "--platform"}, absentValue = "") @Descriptor(Args.PLATFORM) String platform,
        @Descriptor(Args.GFP) String gfp, @Descriptor(ORDER) int order) {
        return alloc(platform, "__get_dma_pages", List.of(gfp, Integer.toString(order)), gfp, Gfp.GFP_DMA, order);
    }

    @Descriptor("give back a block alloc_pages returned")
    public ResultDTO __free_pages(@Descriptor("what alloc_pages returned, e.g. $p after p = mm:alloc_pages ...")
        PagesDTO pages) {
        buddy(platform(pages.platform)).freePages(pages.pfn, pages.order);
        return ResultDTO.of(pages.platform, "__free_pages", List.of("pfn " + ShellFormatter.hex(pages.pfn),
            Integer.toString(pages.order)), null);
    }

    @Descriptor("give back a block alloc_pages returned")
    public ResultDTO __free_pages(
        @Parameter(names = {"-p", "--platform"}, absentValue = "") @Descriptor(Args.PLATFORM) String platform,
        @Descriptor("the block's first pfn") String pfn, @Descriptor(ORDER) int order) {
        Platform p = platform(platform);
        buddy(p).freePages(Args.number("pfn", pfn), order);
        return ResultDTO.of(p.name(), "__free_pages", List.of("pfn " + pfn, Integer.toString(order)), null);
    }

    @Descriptor("give back a block by its linear-map address")
    public ResultDTO free_pages(
        @Parameter(names = {"-p", "--platform"}, absentValue = "") @Descriptor(Args.PLATFORM) String platform,
        @Descriptor("kernel virtual (linear map) address") String addr, @Descriptor(ORDER) int order) {
        Platform p = platform(platform);
        KernelVm vm = PlatformSelector.facility(p, KernelVm.class, "platform");
        long kva = Args.number("addr", addr);
        if (!vm.isLinear(kva)) {
            throw new IllegalArgumentException(String.format("free_pages(%#x): not a linear-map address", kva));
        }
        buddy(p).freePages(Page.pfnDown(vm.toPhys(kva)), order);
        return ResultDTO.of(p.name(), "free_pages", List.of(addr, Integer.toString(order)), null);
    }

    @Descriptor("show the /proc/vmstat counters dmasim models (page migration, cma_alloc), plus the time migration took")
    public VmstatDTO vmstat(
        @Parameter(names = {"-p", "--platform"}, absentValue = "") @Descriptor(Args.PLATFORM) String platform) {
        Platform p = platform(platform);
        MigrationStats m = buddy(p).migrationStats();
        Map<String, Long> counters = new LinkedHashMap<>();
        counters.put("pgmigrate_success", m.pagesMigrated());
        counters.put("pgmigrate_fail", m.failures());
        p.lookup(CmaAreas.class).ifPresent(c -> {
            counters.put("cma_alloc_success", c.cmaAllocSuccess());
            counters.put("cma_alloc_fail", c.cmaAllocFail());
        });
        return VmstatDTO.of(p.name(), counters, m.blocksMigrated(), m.bytesCopied(), m.nanos());
    }

    private Kmalloc slab(Platform p) {
        return PlatformSelector.facility(p, Kmalloc.class, "mm.slab");
    }

    private KmallocDTO kmalloc(String platform, String function, String size, String gfp, int extra) {
        Platform p = platform(platform);
        Kmalloc k = slab(p);
        long n = Args.number("size", size);
        long addr = k.kmalloc(n, Args.gfp(Args.gfpTable(p), gfp) | extra);
        List<String> args = List.of(size, gfp);
        if (addr == 0) {
            throw new IllegalStateException(String.format("%s(%s) returned NULL on %s", function, String.join(", ",
                args), p.name()));
        }
        if (addr == Kmalloc.ZERO_SIZE_PTR) {
            return KmallocDTO.of(p.name(), function, args, addr, 0, null, 0);
        }
        KmallocObject o = k.lookup(addr).orElseThrow();
        return KmallocDTO.of(p.name(), function, args, addr, o.phys(), o.cache(), o.size());
    }

    @Descriptor("kmalloc: a buffer from the kmalloc caches (or the page allocator above 8K), at a linear-map address")
    public KmallocDTO kmalloc(
        @Parameter(names = {"-p", "--platform"}, absentValue = "") @Descriptor(Args.PLATFORM) String platform,
        @Descriptor(Args.SIZE) String size, @Descriptor(Args.GFP) String gfp) {
        return kmalloc(platform, "kmalloc", size, gfp, 0);
    }

    @Descriptor("kzalloc: kmalloc with __GFP_ZERO (the whole object is zeroed through the CPU)")
    public KmallocDTO kzalloc(
        @Parameter(names = {"-p", "--platform"}, absentValue = "") @Descriptor(Args.PLATFORM) String platform,
        @Descriptor(Args.SIZE) String size, @Descriptor(Args.GFP) String gfp) {
        return kmalloc(platform, "kzalloc", size, gfp, Gfp.__GFP_ZERO);
    }

    @Descriptor("give back what kmalloc returned")
    public ResultDTO kfree(@Descriptor("what kmalloc returned, e.g. $b after b = mm:kmalloc 100 GFP_KERNEL")
        KmallocDTO obj) {
        return kfree(platform(obj.platform), String.format("%#018x", obj.addr), obj.addr);
    }

    @Descriptor("give back kmalloc memory by its address")
    public ResultDTO kfree(
        @Parameter(names = {"-p", "--platform"}, absentValue = "") @Descriptor(Args.PLATFORM) String platform,
        @Descriptor("the address kmalloc returned") String addr) {
        long a = Args.number("addr", addr);
        return kfree(platform(platform), String.format("%#018x", a), a);
    }

    private ResultDTO kfree(Platform p, String shown, long addr) {
        Kmalloc k = slab(p);
        int before = p.bootLog().lines().size();
        k.kfree(addr);
        return ResultDTO.of(p.name(), "kfree", List.of(shown), null).printed(printedSince(p, before));
    }

    /** What the kernel printed since the log had {@code before} lines (a WARN during the call). */
    private static List<String> printedSince(Platform p, int before) {
        List<LogLine> after = p.bootLog().lines();
        return after.subList(before, after.size()).stream().map(ShellFormatter::logLine).toList();
    }

    @Descriptor("the bytes usable at a kmalloc address (its size class)")
    public ResultDTO ksize(
        @Parameter(names = {"-p", "--platform"}, absentValue = "") @Descriptor(Args.PLATFORM) String platform,
        @Descriptor("an address kmalloc returned") String addr) {
        Platform p = platform(platform);
        int before = p.bootLog().lines().size();
        long a = Args.number("addr", addr);
        long size = slab(p).ksize(a);
        return ResultDTO.number(p.name(), "ksize", List.of(String.format("%#018x", a)), size, true)
            .printed(printedSince(p, before));
    }

    @Descriptor("show /proc/slabinfo (the kmalloc caches)")
    public TextDTO slabinfo(
        @Parameter(names = {"-p", "--platform"}, absentValue = "") @Descriptor(Args.PLATFORM) String platform) {
        Platform p = platform(platform);
        return TextDTO.of(p.name(), "/proc/slabinfo", slab(p).slabinfo());
    }

    @Descriptor("show /proc/meminfo (the page allocator's lines)")
    public TextDTO meminfo(
        @Parameter(names = {"-p", "--platform"}, absentValue = "") @Descriptor(Args.PLATFORM) String platform) {
        Platform p = platform(platform);
        return TextDTO.of(p.name(), "/proc/meminfo", buddy(p).meminfo());
    }
}
