package org.dmasim.shell.format;

import java.util.List;

/** Pages cma_alloc returned: the area, the first pfn and the count, labelled with the call. */
public class CmaRangeDTO {
    public String platform;
    public List<String> args;
    public String area;
    public long pfn;
    public long count;

    public static CmaRangeDTO of(String platform, List<String> args, String area, long pfn, long count) {
        CmaRangeDTO d = new CmaRangeDTO();
        d.platform = platform;
        d.args = List.copyOf(args);
        d.area = area;
        d.pfn = pfn;
        d.count = count;
        return d;
    }
}
