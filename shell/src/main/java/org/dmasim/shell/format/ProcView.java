package org.dmasim.shell.format;

import java.util.Arrays;
import java.util.Locale;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.dmasim.api.mm.PageAllocator;

/** The {@code /proc} files of the page allocator that the shell and {@code --show} print. */
public enum ProcView {
    BUDDYINFO(PageAllocator::buddyinfo),
    ZONEINFO(PageAllocator::zoneinfo),
    PAGETYPEINFO(PageAllocator::pagetypeinfo),
    MEMINFO(PageAllocator::meminfo);

    private final Function<PageAllocator, String> renderer;

    ProcView(Function<PageAllocator, String> renderer) {
        this.renderer = renderer;
    }

    /** The view's name as users type it: {@code buddyinfo}. */
    public String id() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** The file's path on a real system: {@code /proc/buddyinfo}. */
    public String path() {
        return "/proc/" + id();
    }

    /** The file's text, as the page allocator renders it in the kernel's format. */
    public String render(PageAllocator allocator) {
        return renderer.apply(allocator);
    }

    /** Every view name, comma separated, for error messages and help. */
    public static String ids() {
        return Arrays.stream(values()).map(ProcView::id).collect(Collectors.joining(", "));
    }

    /**
     * @throws IllegalArgumentException naming the view and the known ones
     */
    public static ProcView parse(String id) {
        for (ProcView v : values()) {
            if (v.id().equals(id)) {
                return v;
            }
        }
        throw new IllegalArgumentException("unknown view '" + id + "' (expected one of: " + ids() + ")");
    }
}
