package org.dmasim.shell.format;

import java.util.List;

/** A kmalloc object, labelled with the call that returned it; {@code mm:kfree} takes it back. */
public class KmallocDTO {
    public String platform;
    /** {@code kmalloc} or {@code kzalloc}. */
    public String function;
    public List<String> args;
    /** The linear-map address kmalloc returned ({@code ZERO_SIZE_PTR} for size 0). */
    public long addr;
    public long phys;
    /** The kmalloc cache ({@code kmalloc-128}, {@code dma-kmalloc-1k}) or {@code kmalloc_large}. */
    public String cache;
    /** {@code ksize}. */
    public long size;

    public static KmallocDTO of(String platform, String function, List<String> args, long addr, long phys,
        String cache, long size) {
        KmallocDTO d = new KmallocDTO();
        d.platform = platform;
        d.function = function;
        d.args = List.copyOf(args);
        d.addr = addr;
        d.phys = phys;
        d.cache = cache;
        d.size = size;
        return d;
    }
}
