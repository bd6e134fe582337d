package org.dmasim.shell.internal;

import java.util.List;
import org.apache.felix.service.command.Descriptor;
import org.apache.felix.service.command.Parameter;
import org.dmasim.api.cma.CmaAreas;
import org.dmasim.api.mem.KernelVm;
import org.dmasim.api.mm.MigrationStats;
import org.dmasim.api.mm.Gfp;
import org.dmasim.api.mm.Page;
import org.dmasim.api.mm.PageAllocator;
import org.dmasim.api.platform.Platform;
import org.dmasim.shell.format.PagesDTO;
import org.dmasim.shell.format.TextDTO;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.component.annotations.ReferencePolicyOption;

/**
 * Gogo scope {@code mm}: the page allocator's entry points ({@code mm/page_alloc.c}) and
 * {@code /proc/meminfo}. Numbers are decimal or 0x-hex; GFP flags by name joined with ',' or '+'.
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
    "osgi.command.function=vmstat"
})
public class MmCommands {
    @Reference(name = "platform", cardinality = ReferenceCardinality.MULTIPLE,
        policy = ReferencePolicy.DYNAMIC, policyOption = ReferencePolicyOption.GREEDY)
    volatile List<Platform> platforms;

    private Platform platform(String name) {
        return PlatformSelector.select(platforms, name);
    }

    private PageAllocator buddy(Platform p) {
        return PlatformSelector.facility(p, PageAllocator.class, "mm.buddy");
    }

    private PagesDTO alloc(String platform, int gfp, int order) {
        Platform p = platform(platform);
        PageAllocator buddy = buddy(p);
        long pfn = buddy.allocPages(gfp, order);
        if (pfn == PageAllocator.NO_PAGE) {
            throw new IllegalStateException(String.format("alloc_pages(%s, %d) returned NULL on %s", Gfp.format(gfp),
                order, p.name()));
        }
        long kva = p.lookup(KernelVm.class).map(vm -> vm.linearAddress(Page.pfnPhys(pfn))).orElse(0L);
        return PagesDTO.of(p.name(), pfn, order, buddy.zoneOf(pfn).map(Enum::name).orElse("?"), kva);
    }

    @Descriptor("alloc_pages(gfp, order): a block of 2^order pages")
    public PagesDTO alloc_pages(@Parameter(names = {"-p", "--platform"}, absentValue = "") String platform,
        @Descriptor("GFP flags, e.g. GFP_KERNEL,__GFP_ZERO") String gfp, @Descriptor("order 0..10") int order) {
        return alloc(platform, Args.gfp(gfp), order);
    }

    @Descriptor("__get_free_pages(gfp, order): like alloc_pages, use the kva")
    public PagesDTO __get_free_pages(@Parameter(names = {"-p", "--platform"}, absentValue = "") String platform,
        String gfp, int order) {
        int flags = Args.gfp(gfp);
        if ((flags & Gfp.__GFP_HIGHMEM) != 0) {
            throw new IllegalArgumentException("__get_free_pages: gfp " + Gfp.format(flags)
                + " has __GFP_HIGHMEM (expected: lowmem flags; highmem pages have no kernel address)");
        }
        return alloc(platform, flags, order);
    }

    @Descriptor("get_zeroed_page(gfp)")
    public PagesDTO get_zeroed_page(@Parameter(names = {"-p", "--platform"}, absentValue = "") String platform,
        String gfp) {
        return alloc(platform, Args.gfp(gfp) | Gfp.__GFP_ZERO, 0);
    }

    @Descriptor("__get_dma_pages(gfp, order): __get_free_pages with GFP_DMA")
    public PagesDTO __get_dma_pages(@Parameter(names = {"-p", "--platform"}, absentValue = "") String platform,
        String gfp, int order) {
        return alloc(platform, Args.gfp(gfp) | Gfp.GFP_DMA, order);
    }

    @Descriptor("__free_pages(page, order) for a block alloc_pages returned")
    public String __free_pages(PagesDTO pages) {
        buddy(platform(pages.platform)).freePages(pages.pfn, pages.order);
        return String.format("freed pfn %#x order %d", pages.pfn, pages.order);
    }

    @Descriptor("__free_pages(page, order) by pfn")
    public String __free_pages(@Parameter(names = {"-p", "--platform"}, absentValue = "") String platform,
        @Descriptor("pfn") String pfn, int order) {
        long n = Args.number("pfn", pfn);
        buddy(platform(platform)).freePages(n, order);
        return String.format("freed pfn %#x order %d", n, order);
    }

    @Descriptor("free_pages(addr, order) by linear-map address")
    public String free_pages(@Parameter(names = {"-p", "--platform"}, absentValue = "") String platform,
        @Descriptor("kernel virtual address") String addr, int order) {
        Platform p = platform(platform);
        KernelVm vm = PlatformSelector.facility(p, KernelVm.class, "platform");
        long kva = Args.number("addr", addr);
        if (!vm.isLinear(kva)) {
            throw new IllegalArgumentException(String.format("free_pages(%#x): not a linear-map address", kva));
        }
        long pfn = Page.pfnDown(vm.toPhys(kva));
        buddy(p).freePages(pfn, order);
        return String.format("freed pfn %#x order %d", pfn, order);
    }

    @Descriptor("show the /proc/vmstat counters dmasim models (page migration, cma_alloc), plus the time migration took")
    public TextDTO vmstat(@Parameter(names = {"-p", "--platform"}, absentValue = "") String platform) {
        Platform p = platform(platform);
        MigrationStats m = buddy(p).migrationStats();
        StringBuilder sb = new StringBuilder();
        sb.append("pgmigrate_success ").append(m.pagesMigrated()).append('\n');
        sb.append("pgmigrate_fail ").append(m.failures()).append('\n');
        p.lookup(CmaAreas.class).ifPresent(c -> {
            sb.append("cma_alloc_success ").append(c.cmaAllocSuccess()).append('\n');
            sb.append("cma_alloc_fail ").append(c.cmaAllocFail()).append('\n');
        });
        sb.append(String.format("dmasim: migration moved %d blocks, copied %d bytes in %d us%n", m.blocksMigrated(),
            m.bytesCopied(), m.nanos() / 1000));
        return TextDTO.of(p.name(), "/proc/vmstat", sb.toString());
    }

    @Descriptor("show /proc/meminfo (the page allocator's lines)")
    public TextDTO meminfo(@Parameter(names = {"-p", "--platform"}, absentValue = "") String platform) {
        Platform p = platform(platform);
        return TextDTO.of(p.name(), "/proc/meminfo", buddy(p).meminfo());
    }
}
