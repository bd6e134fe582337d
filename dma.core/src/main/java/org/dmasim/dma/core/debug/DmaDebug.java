package org.dmasim.dma.core.debug;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.function.ToLongFunction;
import org.dmasim.api.dma.DmaApiDebug;
import org.dmasim.api.dma.DmaAttrs;
import org.dmasim.api.dma.DmaDirection;
import org.dmasim.api.dma.SgTable;
import org.dmasim.api.mm.Page;
import org.dmasim.api.mm.PageAllocator;
import org.dmasim.api.platform.BootLog;
import org.dmasim.api.platform.KernelCmdline;

/**
 * DMA-API debugging ({@code kernel/dma/debug.c}, Linux 6.1) of one platform: the hooks
 * {@code kernel/dma/mapping.c} calls around every map, unmap, sync, allocation and free, what
 * they check, and how they report.
 *
 * <p><b>Data.</b> Every successful map (each DMA segment of a list), every coherent allocation
 * and every {@code dma_alloc_pages} makes a {@link DebugEntry}: device, type, bus address, size,
 * direction, the list's entry counts, pfn and offset of the first byte, and whether
 * {@code dma_mapping_error} was asked. Entries live in {@link EntryHash} (16384 buckets on
 * {@code dev_addr >> 13}); the first cacheline of each one the device may write is in
 * {@link ActiveCachelines}; their memory is counted in {@link EntryPool}, pages the kernel takes
 * from the page allocator. An unmap or sync describes the mapping it means in a reference entry
 * and compares it with what the hash finds.
 *
 * <p><b>Checks</b> ({@link DebugChecks}). At map time: memory from the stack or outside the
 * linear map, list segments longer or wider than the device's {@code dma_parms} allow
 * (DMA_API_DEBUG_SG), a first cacheline another live mapping holds. At unmap and free time: an
 * address never mapped (or DMA_MAPPING_ERROR), another size, another API family, another CPU
 * address, another list length, another direction, a single or resource mapping whose map error
 * was never checked. At sync time: a range no mapping holds, another direction, the device's
 * read-only and write-only mappings synced the wrong way, another list length. At driver unbind
 * (PCI only, the bus 6.1's {@code dma_debug_add_bus} is called for): mappings and buffers left
 * behind.
 *
 * <p><b>Reports</b> ({@link ErrorReports}, {@code err_printk}): every error counted, the first
 * {@code num_errors} printed (all with {@code all_errors}), only the {@code driver_filter}'s
 * driver's. The rest of the WARN (the {@code WARNING: CPU: ...} line, registers, call trace) is
 * not simulated. {@code %p} addresses print as with {@code no_hash_pointers}. The debugfs files
 * are {@link DebugFs}.
 *
 * <p><b>Not modelled:</b> {@code check_for_illegal_area} (see {@link KernelAreas}: it cannot
 * fire on arm64 or x86_64) and the radix tree's {@code -ENOMEM}.
 *
 * <p><b>Cost.</b> One lock serialises the hash, the cacheline map and the pool; a map or unmap is
 * O(1) (a bucket's list, one map lookup) plus a stack walk to find the mapping's caller. A sync
 * of a range no mapping holds walks back up to 16384 buckets, as the kernel does.
 */
public final class DmaDebug implements DmaApiDebug {
    static final long DMA_MAPPING_ERROR = -1L;
    private static final String PR_FMT = ErrorReports.PR_FMT;

    private final DebugRules rules;
    private final BootLog log;
    private final boolean sgChecks;
    /** Set by {@link #init}: the kernel's address kinds, the pool of entries, and the checks that need both. */
    private KernelAreas areas;
    private EntryPool pool;
    private DebugChecks checks;
    /** {@code nr_prealloc_entries}, a u32 ({@code dma_debug_entries=}). */
    private int nrPrealloc = EntryPool.PREALLOC_DMA_DEBUG_ENTRIES;
    private final EntryHash hash = new EntryHash();
    private final ActiveCachelines cachelines = new ActiveCachelines();
    /** Guards the hash, the cachelines and the pool ({@code dma_entry_hash} locks, {@code radix_lock}, {@code free_entries_lock}). */
    private final Object lock = new Object();
    private final ErrorReports reports;
    private final DebugFs debugFs;

    private volatile boolean globalDisable;
    private volatile boolean initialized;

    /**
     * DMA-API debugging as the kernel has it before its {@code __setup} handlers ran; it checks
     * nothing until {@link #init}.
     *
     * @param rules the platform's kernel's texts
     * @param sgChecks CONFIG_DMA_API_DEBUG_SG
     */
    public DmaDebug(DebugRules rules, BootLog log, boolean sgChecks) {
        this.rules = rules;
        this.log = log;
        this.sgChecks = sgChecks;
        this.reports = new ErrorReports(log);
        this.debugFs = new DebugFs(this, reports, log);
    }

    // ---- boot ----

    /**
     * The {@code __setup} handlers, in command-line order while {@code start_kernel} parses it:
     * {@code dma_debug=off} (anything starting with "off") disables debugging,
     * {@code dma_debug_entries=N} sizes the preallocation ({@code get_option}; no number keeps
     * 65536), {@code dma_debug_driver=NAME} sets the driver filter.
     */
    public void setup(KernelCmdline cmdline) {
        for (KernelCmdline.Param p : cmdline.params()) {
            if (p.value() == null) {
                continue; // __setup("dma_debug=", ...) matches only with the '='
            }
            switch (p.name()) {
                case "dma_debug" -> {
                    if (p.value().startsWith("off")) {
                        log.info(PR_FMT + "debugging disabled on kernel command line");
                        globalDisable = true;
                    }
                }
                case "dma_debug_entries" -> {
                    OptionalLong n = getOption(p.value());
                    nrPrealloc = n.isPresent() ? (int) n.getAsLong() : EntryPool.PREALLOC_DMA_DEBUG_ENTRIES;
                }
                case "dma_debug_driver" -> reports.filter.setup(p.value()).forEach(l -> log.info(PR_FMT + l));
                default -> {
                }
            }
        }
    }

    /**
     * {@code dma_debug_init} (core_initcall): preallocates the entries from the page allocator
     * and switches debugging on.
     *
     * @param kernelAreas what the checks ask about addresses, and where task stacks come from
     * @param gfpAtomic the kernel's {@code GFP_ATOMIC}, what the pool grows with
     */
    public void init(KernelAreas kernelAreas, PageAllocator buddy, int gfpAtomic) {
        synchronized (lock) {
            this.areas = kernelAreas;
            this.pool = new EntryPool(buddy, gfpAtomic);
            pool.setPrealloc(nrPrealloc);
            this.checks = new DebugChecks(hash, reports, rules, sgChecks, kernelAreas);
        }
        if (globalDisable) {
            return;
        }
        synchronized (lock) {
            pool.preallocate();
            long prealloc = Integer.toUnsignedLong(pool.prealloc());
            if (pool.numFree() >= prealloc) {
                log.info(PR_FMT + "preallocated " + (int) pool.nrTotal() + " debug entries");
            } else if (pool.numFree() > 0) {
                log.warn(PR_FMT + pool.prealloc() + " debug entries requested but only " + (int) pool.nrTotal()
                    + " allocated");
            } else {
                log.err(PR_FMT + "debugging out of memory error - disabled");
                globalDisable = true;
                return;
            }
        }
        initialized = true;
        log.info(PR_FMT + "debugging enabled by kernel config");
    }

    /** {@code dma_debug_disabled()}. */
    private boolean off() {
        return globalDisable || !initialized;
    }

    /** Whether the hooks check anything (not disabled, initialised). */
    public boolean active() {
        return !off();
    }

    // ---- reports ----

    /** {@code err_printk}, see {@link ErrorReports}. */
    private List<String> errPrintk(DebugDevice dev, DebugEntry entry, String message) {
        return reports.errPrintk(dev, entry, message);
    }

    /**
     * The lines {@code dma_debug_device_change} prints for a device released with {@code count}
     * live mappings and buffers, the last of them described: what a backend forced out with live
     * mappings reports for each device, as DMA-API debugging would (not counted, not limited:
     * no kernel path reaches it).
     *
     * @param type the entry type's name as {@link DebugRules#typeName} gives it
     */
    public static List<String> leakReport(DebugDevice dev, int count, long dma, long size, DmaDirection dir,
        String type) {
        return ErrorReports.messageLines(dev, ErrorReports.pendingAllocations(count, dma, size, DebugRules.dirName(dir),
            type));
    }

    /** {@code %p} as with {@code no_hash_pointers}: 16 hex digits, no 0x. */
    static String ptr(long addr) {
        return String.format("%016x", addr);
    }

    private static String u(long v) {
        return Long.toUnsignedString(v);
    }

    // ---- entries ----

    /**
     * {@code dma_entry_alloc}: an entry from the pool (grown by a page when empty), or null when
     * the pool could not grow and debugging turned itself off.
     */
    private DebugEntry newEntry(DebugDevice dev, EntryType type, long devAddr, long size, DmaDirection dir,
        int sgCallEnts, int sgMappedEnts, long pfn, long offset, MapErr mapErr, String madeBy) {
        synchronized (lock) {
            if (pool.empty() && pool.prealloc() == 0) {
                // __dma_entry_alloc_check_leak() takes nr_total_entries % nr_prealloc_entries: a
                // division by zero, an oops in the kernel.
                log.dmasim("DMA-API debugging: the entry pool of dma_debug_entries=0 is empty and the kernel would"
                    + " divide by nr_prealloc_entries (0) growing it, an oops; dmasim disables DMA-API debugging"
                    + " instead");
                globalDisable = true;
                return null;
            }
            if (!pool.take(line -> log.info(PR_FMT + line))) {
                globalDisable = true;
                log.err(PR_FMT + "debugging out of memory - disabling");
                return null;
            }
        }
        return new DebugEntry(dev, type, devAddr, size, dir, sgCallEnts, sgMappedEnts, pfn, offset, mapErr, madeBy,
            DebugEntry.callerNow());
    }

    /** {@code add_dma_entry}: into the hash and the cacheline map; an overlap is an error unless SKIP_CPU_SYNC. */
    private void addEntry(DebugEntry e, long attrs) {
        int rc;
        synchronized (lock) {
            hash.add(e);
            rc = cachelines.insert(e, () -> reports.exceeded(e.cacheline()));
        }
        if (rc == ActiveCachelines.EEXIST && (attrs & DmaAttrs.SKIP_CPU_SYNC) == 0) {
            errPrintk(e.dev, e, "cacheline tracking EEXIST, overlapping mappings aren't supported");
        }
    }

    /** {@code hash_bucket_del} + {@code dma_entry_free}. */
    private void dropLocked(DebugEntry e) {
        hash.remove(e);
        cachelines.remove(e);
        pool.give();
    }

    // ---- map hooks ----

    /** {@code debug_dma_map_single}: the address must be in the linear map, not vmalloc. */
    public void mapSingle(DebugDevice dev, long kva, long len) {
        if (off()) {
            return;
        }
        if (!areas.virtAddrValid(kva)) {
            errPrintk(dev, null, "device driver maps memory from invalid area [addr=" + ptr(kva) + "] [len=" + u(len)
                + "]");
        }
        if (areas.isVmalloc(kva)) {
            errPrintk(dev, null, "device driver maps memory from vmalloc area [addr=" + ptr(kva) + "] [len=" + u(len)
                + "]");
        }
    }

    /**
     * {@code debug_dma_map_page}, after the ops mapped (also {@code dma_alloc_pages}'s record of its
     * pages): nothing for DMA_MAPPING_ERROR, else a single entry waiting for its map error check.
     *
     * @param madeBy the API call, for {@code Mapped at:}
     */
    public void mapPage(DebugDevice dev, long pfn, long offset, long size, DmaDirection dir, long dma, long attrs,
        String madeBy) {
        if (off()) {
            return;
        }
        mappingError(dev, dma); // dma_mapping_error() runs its own hook before it answers
        if (dma == DMA_MAPPING_ERROR) {
            return;
        }
        DebugEntry e = newEntry(dev, EntryType.SINGLE, dma, size, dir, 0, 0, pfn, offset, MapErr.NOT_CHECKED, madeBy);
        if (e == null) {
            return;
        }
        checks.forStack(dev, pfn, offset);
        addEntry(e, attrs);
    }

    /**
     * {@code debug_dma_map_resource}: an entry whatever the ops returned (6.1 does not look at
     * DMA_MAPPING_ERROR here), waiting for its map error check.
     */
    public void mapResource(DebugDevice dev, long phys, long size, DmaDirection dir, long dma, long attrs) {
        if (off()) {
            return;
        }
        DebugEntry e = newEntry(dev, EntryType.RESOURCE, dma, size, dir, 0, 0, phys >>> Page.PAGE_SHIFT,
            phys & (Page.PAGE_SIZE - 1), MapErr.NOT_CHECKED, "dma_map_resource");
        if (e != null) {
            addEntry(e, attrs);
        }
    }

    /**
     * {@code debug_dma_map_sg} after a map that produced {@code mappedEnts} segments: the stack
     * check over the {@code nents} entries given, then one entry per DMA segment with the
     * segment checks.
     */
    public void mapSg(DebugDevice dev, SgTable sg, int nents, int mappedEnts, DmaDirection dir, long attrs) {
        if (off()) {
            return;
        }
        for (int i = 0; i < nents; i++) {
            checks.forStack(dev, sg.phys(i) >>> Page.PAGE_SHIFT, sg.phys(i) & (Page.PAGE_SIZE - 1));
        }
        for (int i = 0; i < mappedEnts; i++) {
            DebugEntry e = newEntry(dev, EntryType.SG, sg.dmaAddress(i), sg.dmaLength(i), dir, nents, mappedEnts,
                sg.phys(i) >>> Page.PAGE_SHIFT, sg.phys(i) & (Page.PAGE_SIZE - 1), MapErr.NOT_APPLICABLE,
                "dma_map_sg_attrs");
            if (e == null) {
                return;
            }
            checks.sgSegment(dev, sg.length(i), sg.dmaAddress(i), sg.dmaLength(i));
            addEntry(e, attrs);
        }
    }

    /**
     * {@code debug_dma_alloc_coherent}: a coherent entry for a buffer with a kernel mapping (a
     * NO_KERNEL_MAPPING cookie, neither vmalloc nor linear, is not tracked).
     */
    public void allocCoherent(DebugDevice dev, long size, long dma, long cpuAddr, long attrs) {
        if (off() || cpuAddr == 0 || (!areas.isVmalloc(cpuAddr) && !areas.virtAddrValid(cpuAddr))) {
            return;
        }
        DebugEntry e = newEntry(dev, EntryType.COHERENT, dma, size, DmaDirection.BIDIRECTIONAL, 0, 0,
            areas.pfnOfCpu(cpuAddr), cpuAddr & (Page.PAGE_SIZE - 1), MapErr.NOT_APPLICABLE, "dma_alloc_attrs");
        if (e != null) {
            addEntry(e, attrs);
        }
    }

    /** {@code debug_dma_mapping_error}: marks the first unchecked entry at the address as checked. */
    public void mappingError(DebugDevice dev, long dma) {
        if (off()) {
            return;
        }
        synchronized (lock) {
            checks.mappingErrorLocked(dev, dma);
        }
    }

    // ---- unmap hooks ----

    /**
     * {@code debug_dma_unmap_page} (also {@code dma_free_pages}'s).
     *
     * @param executed whether the unmap goes through; false when dmasim refuses it (its entry is
     *     then kept, as the mapping is)
     */
    public void unmapPage(DebugDevice dev, long dma, long size, DmaDirection dir, boolean executed) {
        reports.collecting(executed, () -> unmapPageChecks(dev, dma, size, dir, executed));
    }

    private void unmapPageChecks(DebugDevice dev, long dma, long size, DmaDirection dir, boolean executed) {
        if (!off()) {
            checkUnmap(DebugEntry.ref(dev, EntryType.SINGLE, dma, size, dir, 0, 0, 0), executed);
        }
    }

    /** {@code debug_dma_unmap_resource}. */
    public void unmapResource(DebugDevice dev, long dma, long size, DmaDirection dir, boolean executed) {
        reports.collecting(executed, () -> unmapResourceChecks(dev, dma, size, dir, executed));
    }

    private void unmapResourceChecks(DebugDevice dev, long dma, long size, DmaDirection dir, boolean executed) {
        if (!off()) {
            checkUnmap(DebugEntry.ref(dev, EntryType.RESOURCE, dma, size, dir, 0, 0, 0), executed);
        }
    }

    /**
     * {@code debug_dma_unmap_sg} of {@code nelems} entries: each DMA segment checked like an
     * unmap, as many as the list's first entry says were mapped (all of them when that is not
     * found).
     */
    public void unmapSg(DebugDevice dev, SgTable sg, int nelems, DmaDirection dir, boolean executed) {
        reports.collecting(executed, () -> unmapSgChecks(dev, sg, nelems, dir, executed));
    }

    private void unmapSgChecks(DebugDevice dev, SgTable sg, int nelems, DmaDirection dir, boolean executed) {
        if (off()) {
            return;
        }
        int mapped = 0;
        for (int i = 0; i < nelems; i++) {
            DebugEntry ref = sgRef(dev, sg, i, nelems, dir);
            if (mapped != 0 && i >= mapped) {
                break;
            }
            if (i == 0) {
                mapped = mappedEntries(ref);
            }
            checkUnmap(ref, executed);
        }
    }

    private static DebugEntry sgRef(DebugDevice dev, SgTable sg, int i, int nelems, DmaDirection dir) {
        return DebugEntry.ref(dev, EntryType.SG, sg.dmaAddress(i), sg.dmaLength(i), dir, nelems,
            sg.phys(i) >>> Page.PAGE_SHIFT, sg.phys(i) & (Page.PAGE_SIZE - 1));
    }

    /** {@code get_nr_mapped_entries}: the segments of the list whose first segment {@code ref} is, or 0. */
    private int mappedEntries(DebugEntry ref) {
        synchronized (lock) {
            DebugEntry e = hash.findExact(ref);
            return e == null ? 0 : e.sgMappedEnts;
        }
    }

    /**
     * {@code debug_dma_free_coherent}: only for a CPU address in vmalloc space or the linear map
     * (the kernel cannot find a page otherwise).
     */
    public void freeCoherent(DebugDevice dev, long size, long cpuAddr, long dma, boolean executed) {
        reports.collecting(executed, () -> freeCoherentChecks(dev, size, cpuAddr, dma, executed));
    }

    private void freeCoherentChecks(DebugDevice dev, long size, long cpuAddr, long dma, boolean executed) {
        if (off() || (!areas.isVmalloc(cpuAddr) && !areas.virtAddrValid(cpuAddr))) {
            return;
        }
        checkUnmap(DebugEntry.ref(dev, EntryType.COHERENT, dma, size, DmaDirection.BIDIRECTIONAL, 0,
            areas.pfnOfCpu(cpuAddr), cpuAddr & (Page.PAGE_SIZE - 1)), executed);
    }

    /**
     * The lines the calling thread's last unmap or free hook printed (none when nothing was
     * printed, or no such hook ran since the last call); they are handed out once.
     */
    public List<String> takeUnmapReport() {
        return reports.takeUnmapReport();
    }

    /** {@code check_unmap}, then the entry's removal when the unmap goes through. */
    private void checkUnmap(DebugEntry ref, boolean executed) {
        synchronized (lock) {
            DebugEntry e = checks.unmapLocked(ref);
            if (e != null && executed) {
                dropLocked(e);
            }
        }
    }

    // ---- sync hooks ----

    /** {@code debug_dma_sync_single_for_cpu/device} (and the {@code _range_} forms, whose address includes the offset). */
    public void syncSingle(DebugDevice dev, long dma, long size, DmaDirection dir, boolean toCpu) {
        if (!off()) {
            checkSync(DebugEntry.ref(dev, EntryType.SINGLE, dma, size, dir, 0, 0, 0), toCpu);
        }
    }

    /** {@code debug_dma_sync_sg_for_cpu/device}: each DMA segment, as many as were mapped. */
    public void syncSg(DebugDevice dev, SgTable sg, int nelems, DmaDirection dir, boolean toCpu) {
        if (off()) {
            return;
        }
        int mapped = 0;
        for (int i = 0; i < nelems; i++) {
            DebugEntry ref = sgRef(dev, sg, i, nelems, dir);
            if (i == 0) {
                mapped = mappedEntries(ref);
            }
            if (i >= mapped) {
                break;
            }
            checkSync(ref, toCpu);
        }
    }

    /** {@code check_sync}. */
    private void checkSync(DebugEntry ref, boolean toCpu) {
        synchronized (lock) {
            checks.syncLocked(ref, toCpu);
        }
    }

    // ---- devices ----

    /**
     * {@code dma_debug_device_change(BUS_NOTIFY_UNBOUND_DRIVER)}: after {@code dev->driver} became
     * NULL, a device still holding entries is reported with their count and the last one found.
     *
     * @return the kernel lines printed
     */
    public List<String> driverUnbound(DebugDevice dev) {
        if (off()) {
            return List.of();
        }
        int[] count = new int[1];
        DebugEntry[] last = new DebugEntry[1];
        synchronized (lock) {
            hash.forEach((e, bucket) -> {
                if (e.dev == dev) {
                    count[0]++;
                    last[0] = e;
                }
            });
        }
        if (count[0] == 0) {
            return List.of();
        }
        DebugEntry e = last[0];
        return errPrintk(dev, e, ErrorReports.pendingAllocations(count[0], e.devAddr, e.size, DebugRules.dirName(e.dir),
            rules.typeName(e.type)));
    }

    /**
     * Drops the entry of a mapping or buffer that is gone without an unmap: a backend that held
     * it was forced out and revoked it (no kernel path; nothing is checked or reported).
     */
    public void forget(DebugDevice dev, EntryType type, long dma, long size, DmaDirection dir, int sgCallEnts) {
        synchronized (lock) {
            DebugEntry e = hash.findExact(DebugEntry.ref(dev, type, dma, size, dir, sgCallEnts, 0, 0));
            if (e != null) {
                dropLocked(e);
            }
        }
    }

    // ---- debugfs (see DebugFs) ----

    @Override
    public boolean disabled() {
        return globalDisable;
    }

    @Override
    public long errorCount() {
        return reports.errorCount();
    }

    @Override
    public String read(String file) {
        return debugFs.read(file);
    }

    @Override
    public Map<String, String> debugfs() {
        return debugFs.all();
    }

    @Override
    public List<String> dump() {
        List<String> out = new ArrayList<>();
        synchronized (lock) {
            hash.forEach((e, bucket) -> out.add(rules.dumpLine(e, bucket)));
        }
        return out;
    }

    @Override
    public List<String> write(String file, String value) {
        return debugFs.write(file, value);
    }

    /** A count of the entry pool's, 0 before {@link #init} made the pool. */
    long pooled(ToLongFunction<EntryPool> field) {
        synchronized (lock) {
            return pool == null ? 0 : field.applyAsLong(pool);
        }
    }

    // ---- the kernel's number parsers (lib/cmdline.c, lib/kstrtox.c), for the command line and debugfs ----

    /**
     * {@code simple_attr_write}'s parse: at most 23 bytes, then {@code kstrtoull(buf, 0)} (an
     * optional '+', 0x for hex, a leading 0 for octal, an optional trailing newline).
     */
    static long kstrtoull(String file, String written) {
        String s = written.length() > 23 ? written.substring(0, 23) : written;
        if (s.startsWith("+")) {
            s = s.substring(1);
        }
        int base = 10;
        if (s.startsWith("0")) {
            if (s.length() > 2 && (s.charAt(1) == 'x' || s.charAt(1) == 'X') && Character.digit(s.charAt(2), 16) >= 0) {
                base = 16;
                s = s.substring(2);
            } else {
                base = 8;
            }
        }
        int i = 0;
        long v = 0;
        boolean overflow = false;
        while (i < s.length() && Character.digit(s.charAt(i), base) >= 0 && s.charAt(i) < 128) {
            long next = v * base + Character.digit(s.charAt(i), base);
            if (Long.compareUnsigned(v, Long.divideUnsigned(-1L, base)) > 0 || Long.compareUnsigned(next, v) < 0) {
                overflow = true;
            }
            v = next;
            i++;
        }
        String rest = s.substring(i);
        if (overflow) {
            throw new IllegalArgumentException("/sys/kernel/debug/dma-api/" + file + ": write error: Numerical result"
                + " out of range (-ERANGE): '" + written + "' does not fit 64 bits");
        }
        if (i == 0 || !(rest.isEmpty() || rest.equals("\n"))) {
            throw new IllegalArgumentException("/sys/kernel/debug/dma-api/" + file + ": write error: Invalid argument"
                + " (-EINVAL): '" + written + "' is not a number (kstrtoull, base 0)");
        }
        return v;
    }

    /**
     * {@code get_option}: an optional '-', then {@code simple_strtoull} with base 0 (0x hex, leading
     * 0 octal, as many digits as there are); empty when no digit was read.
     */
    static OptionalLong getOption(String text) {
        if (text.isEmpty()) {
            return OptionalLong.empty();
        }
        boolean negative = text.charAt(0) == '-';
        String s = negative ? text.substring(1) : text;
        int base = 10;
        int start = 0;
        if (s.startsWith("0")) {
            if (s.length() > 2 && Character.toLowerCase(s.charAt(1)) == 'x' && Character.digit(s.charAt(2), 16) >= 0) {
                base = 16;
                start = 2;
            } else {
                base = 8;
            }
        }
        int i = start;
        long v = 0;
        while (i < s.length() && s.charAt(i) < 128 && Character.digit(s.charAt(i), base) >= 0) {
            v = v * base + Character.digit(s.charAt(i), base);
            i++;
        }
        if (i == start) {
            return OptionalLong.empty();
        }
        return OptionalLong.of(negative ? -v : v);
    }
}
