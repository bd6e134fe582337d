package org.dmasim.shell.format;

import java.util.List;

/** A block of pages from the page allocator, labelled with the call that returned it. */
public class PagesDTO {
    public String platform;
    /** The call: {@code alloc_pages} and its arguments as given. */
    public String function;
    public List<String> args;
    public long pfn;
    public int order;
    public String zone;
    /** Its linear-map address ({@code page_address}). */
    public long kva;

    public static PagesDTO of(String platform, String function, List<String> args, long pfn, int order, String zone,
        long kva) {
        PagesDTO d = new PagesDTO();
        d.platform = platform;
        d.function = function;
        d.args = List.copyOf(args);
        d.pfn = pfn;
        d.order = order;
        d.zone = zone;
        d.kva = kva;
        return d;
    }
}
