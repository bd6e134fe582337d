package org.dmasim.iommu.smmu.hw;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;
import org.dmasim.api.platform.SpinLock;
import org.dmasim.iommu.pgtable.DescriptorPages;

/**
 * The Arm SMMUv3 of QEMU 7.2's {@code virt} machine ({@code -M virt,iommu=smmuv3}), the device
 * side: what it reads from memory, what it caches, what its queues carry.
 *
 * <p>A device's transaction carries its StreamID. The SMMU finds the stream's STE through the
 * two-level stream table ({@code STRTAB_BASE}: a level-1 array of descriptors, each pointing to
 * a level-2 array of 64-byte STEs for 256 StreamIDs). The STE says abort (terminate silently),
 * bypass (output = input) or stage-1 translate, in which case it points to a context descriptor
 * (CD) holding the ASID, TTB0, the input size (T0SZ) and whether faults are recorded (R). The
 * decoded STE+CD are kept in a configuration cache per StreamID until the driver sends
 * {@code CFGI_STE}/{@code CFGI_CD}/{@code CFGI_ALL}: the driver must invalidate after writing an
 * STE or CD, or the SMMU keeps using the old one. Stage-1 translation looks in the IOTLB
 * ({@link Iotlb}: per ASID and input page) and on a miss walks the LPAE tables from TTB0 (4 KiB
 * granule: table descriptors {@code 0b11} above level 3, blocks {@code 0b01} at levels 1 and 2,
 * pages {@code 0b11} at level 3, {@code AP[2]} = bit 7 = read-only), caching the leaf. Faults
 * (translation 0x10, address size 0x11, permission 0x13, and configuration errors such as
 * C_BAD_STREAMID 0x02) terminate the access and, when the CD says R (or always, for
 * configuration errors), write a 32-byte record to the event queue, exactly as QEMU fills it.
 *
 * <p>The IOTLB entries outlive the page-table entries that made them: when the driver clears a
 * PTE and does not invalidate (lazy mode), the device still reaches the old page. A simulator may
 * look where hardware cannot: on every hit this model re-reads the cached leaf descriptor and
 * counts a <em>stale hit</em> when it no longer maps that page; the access still goes through, as
 * on hardware.
 *
 * <p>Data layout vs the real device: the stream table, CDs and page tables live in
 * {@link DescriptorPages} at their physical addresses and are read from there by address, as the
 * SMMU reads memory; the command queue is not in memory (the driver hands the SMMU its entries
 * with {@link #submit}, which consumes them at once, as QEMU does when {@code CMDQ_PROD} is
 * written); the event queue is a ring of {@code 2^log2size} 4-dword records inside the model
 * ({@code EVENTQ_BASE}'s memory is not simulated). The configuration cache is an array per 256
 * StreamIDs.
 *
 * <p>Locking: one lock, this object's {@link SpinLock} word, orders translations against
 * command consumption and guards every field here (IOTLB, configuration cache, event queue,
 * counters). The driver's command-queue producer takes the same lock itself to count what it
 * issues and hands each command over with {@link #consume} while holding it, so a strict unmap's
 * TLBI and CMD_SYNC cost one uncontended compare-and-set; everyone else goes through the public
 * methods, which take it. The lock is not reentrant: nothing called under it (the
 * {@link CommandObserver} included) may call back into this SMMU.
 */
public final class SmmuHw extends SpinLock {
    /** IDR0 of QEMU 7.2: S1P, TTF AArch64, COHACC, ASID16, TTENDIAN LE, STALL_MODEL 1, TERM_MODEL, 2-level ST. */
    public static final int IDR0 = (1 << 1) | (2 << 2) | (1 << 4) | (1 << 12) | (2 << 21) | (1 << 24) | (1 << 26)
        | (1 << 27);
    /** IDR1: SIDSIZE 16, EVENTQS 19, CMDQS 19. */
    public static final int IDR1 = 16 | (19 << 16) | (19 << 21);
    /** IDR3: RIL (range invalidation). */
    public static final int IDR3_RIL = 1 << 10;
    /** IDR5: GRAN4K, GRAN16K, GRAN64K, OAS 44 bits (4). */
    public static final int IDR5 = 4 | (1 << 4) | (1 << 5) | (1 << 6);
    /** QEMU's IOTLB size ({@code SMMU_IOTLB_MAX_SIZE}). */
    public static final int QEMU_IOTLB_ENTRIES = 256;
    /** GERROR.EVTQ_ABT_ERR: an event could not be written (queue full). */
    public static final int GERROR_EVTQ_ABT_ERR = 1 << 2;

    static final long ADDR_MASK = 0x0000_ffff_ffff_f000L; // descriptor output address, bits 47:12
    private static final int OAS_BITS = 44;
    private static final int SPLIT = 8;

    private final DescriptorPages mem;
    private final int idr3;
    private final Iotlb iotlb;

    private boolean enabled;
    private long strtabBase;
    private int strtabLog2Size;
    private boolean strtabTwoLevel;
    private final StreamConfig[][] configs = new StreamConfig[256][];

    private long[] evtq = new long[0];
    private int evtqEntries;
    private long evtqProd;
    private long evtqCons;
    private int gerror;
    private int gerrorn;

    private long hits;
    private long misses;
    private long walks;
    private long staleHits;
    private long cfgHits;
    private long cfgMisses;
    private long eventsRecorded;
    private long eventsDropped;
    private final long[] commandCounts = new long[SmmuCommand.OPCODES];
    private final long[] faultCounts = new long[256];
    private CommandObserver observer;

    /** Sees every command the SMMU consumes, in order (tracing; tests). */
    @FunctionalInterface
    public interface CommandObserver {
        void consumed(long dw0, long dw1);
    }

    /** QEMU 7.2's SMMU: range invalidation, a 256-entry IOTLB. */
    public SmmuHw(DescriptorPages mem) {
        this(mem, QEMU_IOTLB_ENTRIES, true);
    }

    /**
     * @param iotlbEntries IOTLB capacity (emptied entirely when an insert finds it full)
     * @param rangeInvalidation whether IDR3.RIL is set
     */
    public SmmuHw(DescriptorPages mem, int iotlbEntries, boolean rangeInvalidation) {
        this.mem = mem;
        this.iotlb = new Iotlb(iotlbEntries);
        this.idr3 = rangeInvalidation ? IDR3_RIL : 0;
    }

    // ---- registers ----

    /** {@code SMMU_IDRn} for n = 0..5 (IDR2 and IDR4 read 0). */
    public int idr(int n) {
        return switch (n) {
            case 0 -> IDR0;
            case 1 -> IDR1;
            case 3 -> idr3;
            case 5 -> IDR5;
            case 2, 4 -> 0;
            default -> throw new IllegalArgumentException("SMMU_IDR" + n + ": no such register");
        };
    }

    /** {@code STRTAB_BASE} and {@code STRTAB_BASE_CFG}. */
    public void setStreamTable(long base, int cfg) {
        boolean twoLevel = ((cfg >>> 16) & 3) == 1;
        int split = (cfg >>> 6) & 0x1f;
        if (twoLevel && split != SPLIT) {
            throw new IllegalArgumentException("STRTAB_BASE_CFG.SPLIT " + split + ": this model walks split 8 only");
        }
        lock();
        strtabBase = base & 0x000f_ffff_ffff_ffc0L;
        strtabLog2Size = cfg & 0x3f;
        strtabTwoLevel = twoLevel;
        unlock();
    }

    /** {@code EVENTQ_BASE.LOG2SIZE} + {@code CR0.EVTQEN}: an empty queue of {@code 2^log2size} records. */
    public void enableEventQueue(int log2size) {
        long[] ring = new long[(1 << log2size) * 4];
        lock();
        evtqEntries = 1 << log2size;
        evtq = ring;
        evtqProd = 0;
        evtqCons = 0;
        unlock();
    }

    /** {@code CR0.SMMUEN}; while clear every transaction bypasses (QEMU: SMMU_TRANS_DISABLE). */
    public void setEnabled(boolean smmuen) {
        lock();
        enabled = smmuen;
        unlock();
    }

    public boolean enabled() {
        lock();
        boolean e = enabled;
        unlock();
        return e;
    }

    /** {@code SMMU_GERROR}. */
    public int gerror() {
        lock();
        int g = gerror;
        unlock();
        return g;
    }

    /** {@code SMMU_GERRORN}: the driver acknowledges by writing back what it read from GERROR. */
    public void writeGerrorn(int value) {
        lock();
        gerrorn = value;
        unlock();
    }

    public int gerrorn() {
        lock();
        int g = gerrorn;
        unlock();
        return g;
    }

    // ---- event queue ----

    /** Takes the oldest event record into {@code dst[0..3]}; false when the queue is empty. */
    public boolean pollEvent(long[] dst) {
        if (dst.length < 4) {
            throw new IllegalArgumentException("an event record is 4 dwords; the buffer holds " + dst.length);
        }
        lock();
        boolean any = evtqCons != evtqProd;
        if (any) {
            int at = (int) (evtqCons % evtqEntries) * 4;
            System.arraycopy(evtq, at, dst, 0, 4);
            evtqCons++;
        }
        unlock();
        return any;
    }

    private void recordEvent(long dw0, long dw1, long dw2, long dw3) {
        if (evtqEntries == 0 || evtqProd - evtqCons == evtqEntries) {
            // smmuv3_write_eventq fails; smmuv3_record_event raises GERROR.EVTQ_ABT_ERR
            eventsDropped++;
            if (((gerror ^ gerrorn) & GERROR_EVTQ_ABT_ERR) == 0) {
                gerror ^= GERROR_EVTQ_ABT_ERR;
            }
            return;
        }
        int at = (int) (evtqProd % evtqEntries) * 4;
        evtq[at] = dw0;
        evtq[at + 1] = dw1;
        evtq[at + 2] = dw2;
        evtq[at + 3] = dw3;
        evtqProd++;
        eventsRecorded++;
    }

    // ---- command queue ----

    /**
     * Installs (or with null removes) the observer of consumed commands. It runs under this
     * SMMU's lock and must not call back into the SMMU.
     */
    public void setCommandObserver(CommandObserver o) {
        lock();
        observer = o;
        unlock();
    }

    /**
     * Consumes {@code count} commands ({@code cmds[2i]}, {@code cmds[2i + 1]}) in order; each takes
     * effect before the next, so a {@code CMD_SYNC} completes everything submitted before it.
     *
     * @throws IllegalArgumentException for an opcode this SMMU does not implement (QEMU:
     *     {@code CERROR_ILL}); the commands before it have taken effect
     */
    public void submit(long[] cmds, int count) {
        lock();
        int i = 0;
        while (i < count && consume(cmds[2 * i], cmds[2 * i + 1])) {
            i++;
        }
        unlock();
        if (i < count) {
            throw illegalCommand(cmds[2 * i]);
        }
    }

    /**
     * Consumes one command; the caller holds this SMMU's lock (the driver's queue producer, which
     * counts under the same lock). A {@code CMD_SYNC} completes everything consumed before it.
     *
     * @return false, with nothing changed, for an opcode this SMMU does not implement (QEMU:
     *     {@code CERROR_ILL}); the caller releases the lock and throws {@link #illegalCommand}
     */
    public boolean consume(long dw0, long dw1) {
        int op = SmmuCommand.opcode(dw0);
        switch (op) {
            case SmmuCommand.PREFETCH_CFG, SmmuCommand.CMD_SYNC -> {
                // QEMU: prefetch is a hint it ignores; consumption is synchronous, so SYNC completes at once
            }
            case SmmuCommand.CFGI_STE, SmmuCommand.CFGI_CD, SmmuCommand.CFGI_CD_ALL ->
                dropConfig(SmmuCommand.sid(dw0));
            case SmmuCommand.CFGI_ALL -> dropAllConfigs();
            case SmmuCommand.TLBI_NH_ASID -> iotlb.invalidateAsid(SmmuCommand.asid(dw0));
            case SmmuCommand.TLBI_NH_VA -> invalidateVa(dw0, dw1);
            case SmmuCommand.TLBI_NSNH_ALL -> iotlb.clear();
            default -> {
                return false;
            }
        }
        commandCounts[op]++;
        if (observer != null) {
            observer.consumed(dw0, dw1);
        }
        return true;
    }

    /** The error for a command {@link #consume} refused. */
    public static IllegalArgumentException illegalCommand(long dw0) {
        return new IllegalArgumentException(String.format("SMMU command queue: illegal command (opcode 0x%02x,"
            + " dw0 0x%016x)", SmmuCommand.opcode(dw0), dw0));
    }

    /** {@code smmuv3_range_inval}: TG 0 is one page; with TG, (NUM + 1) << SCALE pages. */
    private void invalidateVa(long dw0, long dw1) {
        int asid = SmmuCommand.asid(dw0);
        long addr = SmmuCommand.address(dw1);
        int tg = SmmuCommand.tg(dw1);
        int ttl = SmmuCommand.ttl(dw1);
        if (tg == 0) {
            iotlb.invalidateRange(asid, addr, 1, 0);
            return;
        }
        int granuleShift = tg * 2 + 10;
        long pages = (long) (SmmuCommand.num(dw0) + 1) << SmmuCommand.scale(dw0);
        // a one-page command with a level hint removes that level's entry only (QEMU's exact key)
        iotlb.invalidateRange(asid, addr, pages << granuleShift, pages == 1 ? ttl : 0);
    }

    private void dropConfig(int sid) {
        StreamConfig[] l2 = configs[(sid >>> SPLIT) & 0xff];
        if (l2 != null && (sid >>> 16) == 0) {
            l2[sid & 0xff] = null;
        }
    }

    private void dropAllConfigs() {
        for (int i = 0; i < configs.length; i++) {
            configs[i] = null;
        }
    }

    // ---- translation ----

    /** One access of a device: {@link #translateRaw} decoded. */
    public Translation translate(int sid, long iova, boolean write) {
        return Translation.decode(translateRaw(sid, iova, write));
    }

    /**
     * One access of a device with StreamID {@code sid} to input address {@code iova}: the output
     * address, or a fault, encoded as {@link Translation} describes. An IOTLB hit allocates
     * nothing.
     */
    public long translateRaw(int sid, long iova, boolean write) {
        lock();
        long r = translateLocked(sid, iova, write);
        unlock();
        return r;
    }

    private long translateLocked(int sid, long iova, boolean write) {
        if (!enabled) {
            return iova;
        }
        StreamConfig cfg = config(sid);
        if (cfg == null) { // configuration error, event recorded (or dropped) by decode
            return lastConfigFault;
        }
        if (cfg.kind == StreamConfig.ABORT) {
            faultCounts[0]++;
            return Translation.FAULT_BIT | Translation.ABORT;
        }
        if (cfg.kind == StreamConfig.BYPASS) {
            return iova;
        }
        if (cfg.ttb0Disabled || (iova >>> cfg.inputBits) != 0) {
            // select_tt: no enabled table covers the address (TTB1 is disabled, EPD1)
            return fault(cfg, sid, 0x10, iova, write, 0);
        }
        int slot = iotlb.lookup(cfg.asid, iova);
        if (slot >= 0) {
            hits++;
            if (write && (iotlb.flags(slot) & Iotlb.FLAG_WRITABLE) == 0) {
                return fault(cfg, sid, 0x13, iova, write, 0);
            }
            int level = iotlb.level(slot);
            long out = iotlb.out(slot);
            long phys = out | (iova & ((1L << Iotlb.shift(level)) - 1));
            if (!stillMapped(iotlb.pteAddr(slot), level, out)) {
                staleHits++;
                return phys | Translation.STALE_BIT;
            }
            return phys;
        }
        misses++;
        return walk(cfg, sid, iova, write);
    }

    private boolean stillMapped(long pteAddr, int level, long out) {
        long[] page = mem.page(pteAddr);
        if (page == null) {
            return false;
        }
        long pte = page[(int) ((pteAddr & (DescriptorPages.PAGE_SIZE - 1)) >>> 3)];
        return isLeaf(pte, level) && (pte & ADDR_MASK & ~((1L << Iotlb.shift(level)) - 1)) == out;
    }

    private static boolean isLeaf(long pte, int level) {
        return level == 3 ? (pte & 3) == 3 : level > 0 && (pte & 3) == 1;
    }

    /** {@code smmu_ptw_64} for a 4 KiB granule. */
    private long walk(StreamConfig cfg, int sid, long iova, boolean write) {
        walks++;
        int level = cfg.startLevel;
        long table = cfg.ttb;
        while (true) {
            int shift = Iotlb.shift(level);
            long pteAddr = table + (((iova >>> shift) & 511) << 3);
            long[] page = mem.page(pteAddr);
            if (page == null) {
                return fault(cfg, sid, 0x0b, iova, write, pteAddr);
            }
            long pte = page[(int) ((pteAddr & (DescriptorPages.PAGE_SIZE - 1)) >>> 3)];
            int type = (int) (pte & 3);
            if ((type & 1) == 0 || (level == 3 && type == 1) || (level == 0 && type == 1)) {
                // invalid, reserved at level 3, or a level-0 block (none with a 4 KiB granule)
                return fault(cfg, sid, 0x10, iova, write, 0);
            }
            long addr = pte & ADDR_MASK;
            if ((addr >>> cfg.oasBits) != 0) {
                return fault(cfg, sid, 0x11, iova, write, 0);
            }
            if (level < 3 && type == 3) {
                table = addr;
                level++;
                continue;
            }
            long out = addr & ~((1L << shift) - 1);
            boolean readOnly = (pte & (1L << 7)) != 0;
            if (write && readOnly) {
                return fault(cfg, sid, 0x13, iova, write, 0);
            }
            iotlb.insert(cfg.asid, level, iova, out, pteAddr, readOnly ? 0 : Iotlb.FLAG_WRITABLE);
            return out | (iova & ((1L << shift) - 1));
        }
    }

    /**
     * A translation fault of a stage-1 stream: recorded when the CD says R, a walk external abort
     * always (class 1 = translation table walk, the descriptor's address in dword 3).
     */
    private long fault(StreamConfig cfg, int sid, int id, long iova, boolean write, long descriptorAddr) {
        faultCounts[id]++;
        long rnw = write ? 0 : 1L << 35;
        if (id == 0x0b) {
            recordEvent(((long) sid << 32) | id, rnw | (1L << 40), iova, descriptorAddr & 0x000f_ffff_ffff_fff8L);
            return Translation.FAULT_BIT | Translation.RECORDED_BIT | id;
        }
        if (!cfg.recordFaults) {
            return Translation.FAULT_BIT | id;
        }
        recordEvent(((long) sid << 32) | id, rnw, iova, 0);
        return Translation.FAULT_BIT | Translation.RECORDED_BIT | id;
    }

    private long lastConfigFault;

    private long configFault(int sid, int id, long dw3) {
        faultCounts[id]++;
        recordEvent(((long) sid << 32) | id, 0, 0, dw3);
        lastConfigFault = Translation.FAULT_BIT | Translation.RECORDED_BIT | id;
        return lastConfigFault;
    }

    /** The cached configuration of {@code sid}, decoding STE and CD on a miss; null after a configuration fault. */
    private StreamConfig config(int sid) {
        StreamConfig[] l2 = (sid >>> 16) == 0 ? configs[sid >>> SPLIT] : null;
        StreamConfig c = l2 == null ? null : l2[sid & 0xff];
        if (c != null) {
            cfgHits++;
            return c;
        }
        cfgMisses++;
        c = decode(sid);
        if (c != null) {
            if (configs[sid >>> SPLIT] == null) {
                configs[sid >>> SPLIT] = new StreamConfig[256];
            }
            configs[sid >>> SPLIT][sid & 0xff] = c;
        }
        return c;
    }

    /** {@code smmuv3_decode_config}: find the STE, decode it and its CD. */
    private StreamConfig decode(int sid) {
        if (Integer.compareUnsigned(sid, 1 << strtabLog2Size) >= 0 || (sid >>> 16) != 0) {
            configFault(sid, 0x02, 0);
            return null;
        }
        long steAddr;
        if (strtabTwoLevel) {
            long l1Addr = strtabBase + ((long) (sid >>> SPLIT) << 3);
            long[] l1 = mem.page(l1Addr);
            if (l1 == null) {
                configFault(sid, 0x03, l1Addr); // F_STE_FETCH
                return null;
            }
            long l1d = l1[(int) ((l1Addr & 0xfff) >>> 3)];
            int span = (int) (l1d & 0x1f);
            if (span == 0) {
                configFault(sid, 0x02, 0);
                return null;
            }
            int offset = sid & ((1 << SPLIT) - 1);
            if (offset > (1 << span) - 1) {
                configFault(sid, 0x04, 0);
                return null;
            }
            steAddr = (l1d & 0x000f_ffff_ffff_ffc0L) + ((long) offset << 6);
        } else {
            steAddr = strtabBase + ((long) sid << 6);
        }
        long[] stePage = mem.page(steAddr);
        if (stePage == null) {
            configFault(sid, 0x03, steAddr);
            return null;
        }
        int s = (int) ((steAddr & 0xfff) >>> 3);
        long ste0 = stePage[s];
        if ((ste0 & 1) == 0) {
            configFault(sid, 0x04, 0); // C_BAD_STE: invalid
            return null;
        }
        int config = (int) (ste0 >>> 1) & 7;
        if (config == 0) {
            return StreamConfig.ABORTED;
        }
        if (config == 4) {
            return StreamConfig.BYPASSED;
        }
        if (config != 5 || (ste0 >>> 59) != 0 || ((ste0 >>> 4) & 3) != 0) {
            // stage 2 and nested are not implemented by QEMU 7.2's SMMU, nor multiple CDs
            configFault(sid, 0x04, 0);
            return null;
        }
        long cdAddr = ste0 & 0x000f_ffff_ffff_ffc0L;
        long[] cdPage = mem.page(cdAddr);
        if (cdPage == null) {
            configFault(sid, 0x09, cdAddr); // F_CD_FETCH
            return null;
        }
        int c = (int) ((cdAddr & 0xfff) >>> 3);
        return decodeCd(sid, cdPage[c], cdPage[c + 1]);
    }

    /** {@code decode_cd}: what QEMU 7.2 accepts; this model walks the 4 KiB granule only. */
    private StreamConfig decodeCd(int sid, long cd0, long cd1) {
        boolean valid = (cd0 & (1L << 31)) != 0;
        boolean aa64 = (cd0 & (1L << 41)) != 0;
        boolean abortOnFault = (cd0 & (1L << 46)) != 0;
        boolean stall = (cd0 & (1L << 44)) != 0;
        boolean bigEndian = (cd0 & (1L << 15)) != 0;
        if (!valid || !aa64 || !abortOnFault || stall || bigEndian) {
            configFault(sid, 0x0a, 0);
            return null;
        }
        int ips = (int) (cd0 >>> 32) & 7;
        int oas = Math.min(ipsBits(ips), OAS_BITS);
        boolean epd0 = (cd0 & (1L << 14)) != 0;
        int tsz = (int) (cd0 & 0x3f);
        int tg = (int) (cd0 >>> 6) & 3;
        long ttb = cd1 & 0x000f_ffff_ffff_fff0L;
        if (!epd0 && (tsz < 16 || tsz > 39 || tg != 0 || (ttb >>> oas) != 0)) {
            configFault(sid, 0x0a, 0);
            return null;
        }
        int asid = (int) (cd0 >>> 48);
        boolean record = (cd0 & (1L << 45)) != 0;
        return StreamConfig.stage1(asid, ttb, 64 - tsz, oas, record, epd0);
    }

    private static int ipsBits(int ips) {
        return switch (ips) {
            case 0 -> 32;
            case 1 -> 36;
            case 2 -> 40;
            case 3 -> 42;
            case 4 -> 44;
            case 5 -> 48;
            default -> 52;
        };
    }

    // ---- counters ----

    /** IOTLB entries cached now. */
    public int iotlbEntries() {
        lock();
        int n = iotlb.size();
        unlock();
        return n;
    }

    public Counters counters() {
        lock();
        try {
            return countersLocked();
        } finally {
            unlock();
        }
    }

    private Counters countersLocked() {
        Map<String, Long> cmds = new LinkedHashMap<>();
        for (int op = 0; op < commandCounts.length; op++) {
            if (commandCounts[op] != 0) {
                cmds.put(SmmuCommand.name(op), commandCounts[op]);
            }
        }
        Map<Integer, Long> faults = new TreeMap<>();
        for (int id = 0; id < faultCounts.length; id++) {
            if (faultCounts[id] != 0) {
                faults.put(id, faultCounts[id]);
            }
        }
        return new Counters(hits, misses, walks, staleHits, iotlb.flushAllOnFull, cfgHits, cfgMisses, Map.copyOf(cmds),
            Map.copyOf(faults), eventsRecorded, eventsDropped);
    }
}
