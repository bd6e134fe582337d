package org.dmasim.samples.userdma;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.dmasim.api.addr.UserAddr;
import org.dmasim.api.boot.Errno;
import org.dmasim.api.mem.CpuCache;
import org.dmasim.api.mem.PhysMemory;
import org.dmasim.api.mm.Gfp;
import org.dmasim.api.mm.Page;
import org.dmasim.api.mm.PageAllocator;
import org.dmasim.api.platform.Platform;
import org.dmasim.samples.userdma.api.SimProcess;

/**
 * A simulated process's address space ({@code struct mm_struct}) with the parts of
 * {@code mm/gup.c} a driver uses on it.
 *
 * <p>Data layout: VMAs in a map by start address; the page table of anonymous memory as a map from
 * virtual page number to page frame (a page is allocated, zeroed, on first touch:
 * {@code GFP_HIGHUSER}; dmasim does not migrate user pages, so they are not movable); a pin count
 * per frame ({@code FOLL_PIN}'s reference). New mappings go top-down from 0x7f0000000000 with a
 * guard page between them, a simplified {@code mmap_base}. A frame is given back to the page
 * allocator when neither a page table nor a pin holds it.
 *
 * <p>{@link #pin} is {@code pin_user_pages} ({@code __get_user_pages}): page by page, the VMA at
 * the address must exist (else -EFAULT), must not be {@code VM_IO|VM_PFNMAP} (-EFAULT: such pages
 * have no {@code struct page} to pin) and must be writable for {@code FOLL_WRITE} (-EFAULT); an
 * absent page is faulted in. It stops at the first failure and returns the pages pinned so far, or
 * the error when there are none.
 */
final class ProcessMm implements SimProcess {
    private static final long MMAP_TOP = 0x7f0000000000L;

    private final String name;
    private final Platform platform;
    private final TreeMap<Long, Vma> vmas = new TreeMap<>();
    private final Map<Long, Long> pageTable = new HashMap<>();
    private final Map<Long, Integer> pins;
    private long mmapNext = MMAP_TOP;
    private boolean exited;

    /** @param pins the pin counts of every frame, shared by the platform's processes */
    ProcessMm(String name, Platform platform, Map<Long, Integer> pins) {
        this.name = name;
        this.platform = platform;
        this.pins = pins;
    }

    @Override
    public String name() {
        return name;
    }

    private PageAllocator buddy() {
        return platform.lookup(PageAllocator.class).orElseThrow(() -> new IllegalStateException("platform '"
            + platform.name() + "' has no page allocator"));
    }

    private CpuCache cache() {
        return platform.lookup(CpuCache.class).orElseThrow(() -> new IllegalStateException("platform '"
            + platform.name() + "' has no memory"));
    }

    private void alive() {
        if (exited) {
            throw new IllegalStateException("process " + name + " has exited");
        }
    }

    /** Finds room for {@code length} bytes (page aligned) and inserts a VMA there. */
    synchronized Vma insert(long length, int flags) {
        alive();
        long len = Page.pageAlign(length);
        long start = mmapNext - len;
        mmapNext = start - Page.PAGE_SIZE; // a guard page below each mapping
        Vma v = new Vma(start, start + len, flags);
        vmas.put(start, v);
        return v;
    }

    synchronized void remove(Vma v) {
        vmas.remove(v.start);
    }

    @Override
    public UserAddr mmapAnonymous(long length) {
        if (length <= 0) {
            throw new IllegalArgumentException("mmap: length " + length + " (expected: at least 1 byte; -EINVAL)");
        }
        return new UserAddr(insert(length, Vma.VM_READ | Vma.VM_WRITE).start);
    }

    @Override
    public synchronized int munmap(UserAddr addr, long length) {
        alive();
        if ((addr.value() & (Page.PAGE_SIZE - 1)) != 0 || length <= 0) {
            return -Errno.EINVAL;
        }
        long end = addr.value() + Page.pageAlign(length);
        for (Vma v : new ArrayList<>(vmas.values())) {
            if (v.start >= addr.value() && v.end <= end) {
                unmapPages(v);
                vmas.remove(v.start);
            }
        }
        return 0;
    }

    private void unmapPages(Vma v) {
        if (v.pfns != null) {
            return; // a PFN map's frames belong to the driver
        }
        for (long vpn = v.start >>> 12; vpn < v.end >>> 12; vpn++) {
            Long pfn = pageTable.remove(vpn);
            if (pfn != null) {
                release(pfn);
            }
        }
    }

    private Vma find(long addr) {
        var e = vmas.floorEntry(addr);
        return e != null && e.getValue().contains(addr) ? e.getValue() : null;
    }

    /** The frame behind a user address of {@code v}, faulting an anonymous page in. */
    private long frame(Vma v, long addr) {
        if (v.pfns != null) {
            return v.pfns[(int) ((addr - v.start) >>> 12)];
        }
        return pageTable.computeIfAbsent(addr >>> 12, vpn -> {
            long pfn = buddy().allocPages(Gfp.GFP_HIGHUSER | Gfp.__GFP_ZERO, 0);
            if (pfn < 0) {
                throw new IllegalStateException("process " + name + ": out of memory faulting in a page");
            }
            return pfn;
        });
    }

    /** One page's worth of a user access: checks, then the memory the mapping's type goes through. */
    private interface PageAccess {
        void run(PhysMemory mem, long phys, int off, int len);
    }

    private synchronized void access(UserAddr addr, int len, boolean write, PageAccess op) {
        alive();
        for (long a = addr.value(), end = a + len; a < end; a = (a | (Page.PAGE_SIZE - 1)) + 1) {
            Vma v = find(a);
            if (v == null || (write && (v.flags & Vma.VM_WRITE) == 0)) {
                throw new SegmentationFault(String.format("process %s: segmentation fault at user 0x%x (%s)", name,
                    a, v == null ? "nothing mapped" : "read-only mapping"));
            }
        }
        CpuCache cache = cache();
        int done = 0;
        while (done < len) {
            long a = addr.value() + done;
            int n = (int) Math.min(len - done, Page.PAGE_SIZE - (a & (Page.PAGE_SIZE - 1)));
            Vma v = find(a);
            PhysMemory mem = v.attr.cacheable() ? cache.cpu() : cache.uncached();
            op.run(mem, Page.pfnPhys(frame(v, a)) + (a & (Page.PAGE_SIZE - 1)), done, n);
            done += n;
        }
    }

    @Override
    public void write(UserAddr addr, byte[] data) {
        access(addr, data.length, true, (mem, phys, off, n) -> mem.write(phys, data, off, n));
    }

    @Override
    public byte[] read(UserAddr addr, int len) {
        byte[] out = new byte[len];
        access(addr, len, false, (mem, phys, off, n) -> mem.read(phys, out, off, n));
        return out;
    }

    @Override
    public synchronized List<Long> pfns(UserAddr addr, long len) {
        List<Long> out = new ArrayList<>();
        long first = addr.value() & -Page.PAGE_SIZE;
        for (long a = first; a < addr.value() + len; a += Page.PAGE_SIZE) {
            Vma v = find(a);
            if (v == null) {
                throw new SegmentationFault(String.format("process %s: nothing mapped at user 0x%x", name, a));
            }
            out.add(frame(v, a));
        }
        return out;
    }

    @Override
    public synchronized List<String> maps() {
        return vmas.descendingMap().values().stream().map(Vma::toString).toList();
    }

    /** What {@link #pin} returns: pages pinned (or a negative errno) and their frames. */
    record Pinned(int ret, long[] pfns) {
    }

    /** {@code pin_user_pages(start, nrPages, write ? FOLL_WRITE : 0, pages)}. */
    synchronized Pinned pin(long start, int nrPages, boolean write) {
        alive();
        long[] pfns = new long[nrPages];
        int i = 0;
        int err = 0;
        for (; i < nrPages; i++) {
            long a = start + (long) i * Page.PAGE_SIZE;
            Vma v = find(a);
            if (v == null || (v.flags & (Vma.VM_IO | Vma.VM_PFNMAP)) != 0
                || (write && (v.flags & Vma.VM_WRITE) == 0)) {
                err = -Errno.EFAULT;
                break;
            }
            pfns[i] = frame(v, a);
            pins.merge(pfns[i], 1, Integer::sum);
        }
        return new Pinned(i > 0 ? i : err, pfns);
    }

    /** {@code unpin_user_pages} (the dirtying of {@code unpin_user_pages_dirty_lock} needs no model). */
    synchronized void unpin(long[] pfns, int count) {
        for (int i = 0; i < count; i++) {
            if (pins.merge(pfns[i], -1, Integer::sum) == 0) {
                pins.remove(pfns[i]);
                if (exited || !pageTable.containsValue(pfns[i])) {
                    buddy().freePages(pfns[i], 0);
                }
            }
        }
    }

    private void release(long pfn) {
        if (!pins.containsKey(pfn)) {
            buddy().freePages(pfn, 0);
        }
    }

    @Override
    public synchronized void exit() {
        alive();
        for (Vma v : vmas.values()) {
            unmapPages(v);
        }
        vmas.clear();
        exited = true;
    }
}
