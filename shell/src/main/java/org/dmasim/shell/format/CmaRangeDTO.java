package org.dmasim.shell.format;

/** Pages cma_alloc returned: the area, the first pfn and the count. */
public class CmaRangeDTO {
    public String platform;
    public String area;
    public long pfn;
    public long count;

    public static CmaRangeDTO of(String platform, String area, long pfn, long count) {
        CmaRangeDTO d = new CmaRangeDTO();
        d.platform = platform;
        d.area = area;
        d.pfn = pfn;
        d.count = count;
        return d;
    }
}
