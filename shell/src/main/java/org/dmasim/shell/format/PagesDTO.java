package org.dmasim.shell.format;

/** A block of pages from the page allocator. */
public class PagesDTO {
    public String platform;
    public long pfn;
    public int order;
    public String zone;
    /** Its linear-map address ({@code page_address}). */
    public long kva;

    public static PagesDTO of(String platform, long pfn, int order, String zone, long kva) {
        PagesDTO d = new PagesDTO();
        d.platform = platform;
        d.pfn = pfn;
        d.order = order;
        d.zone = zone;
        d.kva = kva;
        return d;
    }
}
