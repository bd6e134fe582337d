package org.dmasim.iommu.smmu;

import java.util.ArrayList;
import java.util.BitSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Consumer;
import java.util.function.LongSupplier;
import org.dmasim.api.platform.Ratelimit;
import org.dmasim.api.dt.DeviceTreeException;
import org.dmasim.api.dt.DtNode;
import org.dmasim.api.dt.DtProperty;
import org.dmasim.api.mm.Gfp;
import org.dmasim.iommu.pgtable.DescriptorPages;
import org.dmasim.iommu.pgtable.IoPgtableTlb;
import org.dmasim.iommu.pgtable.IotlbGather;
import org.dmasim.iommu.smmu.hw.SmmuHw;

/**
 * The Linux 6.1 SMMUv3 driver ({@code struct arm_smmu_device} and its operations).
 *
 * <p>What it does: at probe it checks the firmware node ({@code #iommu-cells} = 1, an MMIO
 * region of at least 128 KiB), reads the ID registers into a feature set and prints
 * {@code "ias %lu-bit, oas %lu-bit (features 0x%08x)"}, sizes its queues (printing
 * {@code "allocated %u entries for %s"}), allocates the level-1 stream table and resets the SMMU:
 * stream table base, {@code CFGI_ALL} and {@code TLBI_NSNH_ALL} each followed by a
 * {@code CMD_SYNC}, event queue on, SMMUEN. A device's stream IDs get their level-2 stream table
 * (256 STEs, 16 KiB) on first use, every STE in it abort ({@code disable_bypass}) or bypass.
 * Attaching a stage-1 domain writes its context descriptor once (dwords 1-3, sync, dword 0,
 * sync) and then each STE of the master (dword 1, CFGI_STE + sync, dword 0, CFGI_STE + sync,
 * PREFETCH_CFG); detaching writes abort/bypass back (CFGI_STE + sync). io-pgtable's flush
 * callbacks become TLBI_NH_VA commands (range-encoded with IDR3.RIL) or TLBI_NH_ASID, built in
 * 64-command batches, each list ending in one CMD_SYNC. The event-queue thread prints each
 * record the DMA API could not hand to a fault handler (all of them) as
 * {@code "event 0x%02x received:"} plus four {@code "\t0x%016llx"} lines, rate-limited.
 *
 * <p>Data layout here vs the kernel: the stream table, CD tables and page tables are in
 * {@link DescriptorPages} at physical addresses, as the SMMU reads them; the level-1 table is one
 * page (2 KiB used), each level-2 table an order-2 block, each CD table one page (64 bytes used)
 * where the kernel uses {@code dmam_alloc_coherent} (CMA for the 16 KiB tables). The queues'
 * memory (1 MiB each) is not allocated: the hardware model holds the event ring and consumes
 * commands as they are handed over. The stream rb-tree is a sorted map; the ASID xarray a bitmap
 * searched lowest-free-first.
 */
public final class ArmSmmuV3 {
    // features (arm-smmu-v3.h)
    static final int FEAT_2_LVL_STRTAB = 1 << 0;
    static final int FEAT_2_LVL_CDTAB = 1 << 1;
    static final int FEAT_TT_LE = 1 << 2;
    static final int FEAT_TT_BE = 1 << 3;
    static final int FEAT_SEV = 1 << 6;
    static final int FEAT_MSI = 1 << 7;
    static final int FEAT_COHERENCY = 1 << 8;
    static final int FEAT_TRANS_S1 = 1 << 9;
    static final int FEAT_TRANS_S2 = 1 << 10;
    static final int FEAT_STALLS = 1 << 11;
    static final int FEAT_STALL_FORCE = 1 << 13;
    static final int FEAT_RANGE_INV = 1 << 15;

    static final int STRTAB_SPLIT = 8;
    static final int STE_DWORDS = 8;
    private static final int Q_MAX_SZ_SHIFT = 12 + 8; // PAGE_SHIFT + CONFIG_CMA_ALIGNMENT
    private static final int EINVAL = -22;
    private static final int ENXIO = -6;
    private static final int ENOMEM = -12;
    private static final int ERANGE = -34;

    private final String devName;
    private final String prefix;
    private final SmmuParams params;
    private final DescriptorPages mem;
    private final SmmuHw hw;
    private final Consumer<String> devLog;
    private final List<String> bootLines = new ArrayList<>();
    private final CmdQueue cmdq;
    private LongSupplier clock = System::nanoTime;
    /** arm_smmu_evtq_thread's static ratelimit state. */
    private Ratelimit ratelimit = new Ratelimit("arm_smmu_evtq_thread");

    int features;
    int ias;
    int oas;
    int asidBits;
    int sidBits;
    int ssidBits;
    long pgsizeBitmap;
    int cmdqShift;
    int evtqShift;
    private boolean evtqIrq;
    private boolean gerrIrq;

    private long l1Table;
    private int numL1Ents;
    private long[] l2Tables;
    private final TreeMap<Integer, Master> streams = new TreeMap<>();
    private final BitSet asids = new BitSet();
    private final Map<Integer, S1Domain> domains = new HashMap<>();

    /** A stage-1 domain's context: its CD table and the masters attached to it. */
    private static final class S1Domain {
        final long cdTable;
        final long ttbr;
        final List<Master> masters = new ArrayList<>();

        S1Domain(long cdTable, long ttbr) {
            this.cdTable = cdTable;
            this.ttbr = ttbr;
        }
    }

    private ArmSmmuV3(String devName, SmmuParams params, DescriptorPages mem, SmmuHw hw, Consumer<String> devLog) {
        this.devName = devName;
        this.prefix = "arm-smmu-v3 " + devName + ": ";
        this.params = params;
        this.mem = mem;
        this.hw = hw;
        this.devLog = devLog;
        this.cmdq = new CmdQueue(hw);
    }

    /**
     * {@code arm_smmu_device_probe} for the firmware node {@code node}.
     *
     * @param devName the platform device's name, e.g. {@code 9050000.smmuv3}
     * @param devLog receives every line the driver prints, prefix included
     * @throws SmmuProbeException when the kernel's probe fails; its message is the kernel's line
     *     and nothing is left allocated
     */
    public static ArmSmmuV3 probe(DtNode node, String devName, SmmuParams params, DescriptorPages mem, SmmuHw hw,
        Consumer<String> devLog) {
        ArmSmmuV3 smmu = new ArmSmmuV3(devName, params, mem, hw, devLog);
        smmu.doProbe(node);
        return smmu;
    }

    private void print(String msg) {
        String line = prefix + msg;
        bootLines.add(line);
        devLog.accept(line);
    }

    private SmmuProbeException fail(String msg, int errno) {
        String line = prefix + msg;
        print(msg);
        String core = "arm-smmu-v3: probe of " + devName + " failed with error " + errno;
        if (errno != ENXIO) { // really_probe is silent for -ENODEV and -ENXIO
            bootLines.add(core);
            devLog.accept(core);
        }
        return new SmmuProbeException(line, errno);
    }

    private void doProbe(DtNode node) {
        // arm_smmu_device_dt_probe: errors are printed, probing goes on with bypass requested
        boolean fwFailed = true;
        String cellsLine = null;
        try {
            DtProperty cells = node.property("#iommu-cells").orElse(null);
            if (cells == null || cells.length() < 4) {
                cellsLine = "missing #iommu-cells property";
            } else if (cells.u32() != 1) {
                cellsLine = "invalid #iommu-cells value (" + (int) cells.u32() + ")";
            } else {
                fwFailed = false;
            }
        } catch (DeviceTreeException e) {
            cellsLine = "missing #iommu-cells property";
        }
        if (cellsLine != null) {
            print(cellsLine);
        }
        boolean page0Only = false;
        if (node.has("hisilicon,broken-prefetch-cmd")) {
            print("option hisilicon,broken-prefetch-cmd");
        }
        if (node.has("cavium,cn9900-broken-page1-regspace")) {
            print("option cavium,cn9900-broken-page1-regspace");
            page0Only = true;
        }
        boolean coherent = isCoherent(node);
        if (coherent) {
            features |= FEAT_COHERENCY;
        }
        boolean bypass = fwFailed;

        List<long[]> reg;
        try {
            reg = node.reg();
        } catch (DeviceTreeException e) {
            throw fail(node.path() + ": reg: " + e.getMessage(), EINVAL);
        }
        if (reg.isEmpty()) {
            throw fail(node.path() + " has no reg property (the SMMU's MMIO region)", EINVAL);
        }
        long base = reg.get(0)[0];
        long size = reg.get(0)[1];
        long need = page0Only ? 64 << 10 : 128 << 10;
        if (size < need) {
            throw fail(String.format("MMIO region too small (%s)", rawMemResource(base, size)), EINVAL);
        }

        String names = node.property("interrupt-names").map(p -> String.join(",", p.strings())).orElse("");
        List<String> irqNames = List.of(names.split(","));
        boolean combined = irqNames.contains("combined");
        evtqIrq = combined || irqNames.contains("eventq");
        gerrIrq = combined || irqNames.contains("gerror");

        hwProbe(coherent);
        if (hw.enabled()) {
            print("SMMU currently enabled! Resetting...");
        }
        initStructures();
        reset(bypass);
    }

    /** {@code %pr} of a DT memory resource: {@code [mem 0x09050000-0x0905ffff flags 0x200]}. */
    static String rawMemResource(long start, long size) {
        return String.format("[mem %#010x-%#010x flags 0x200]", start, start + size - 1);
    }

    /** {@code of_dma_is_coherent}: the nearest {@code dma-coherent}/{@code dma-noncoherent}; arm64 default false. */
    private static boolean isCoherent(DtNode node) {
        for (DtNode n = node; n != null; n = n.parent()) {
            if (n.has("dma-coherent")) {
                return true;
            }
            if (n.has("dma-noncoherent")) {
                return false;
            }
        }
        return false;
    }

    /** {@code arm_smmu_device_hw_probe}. */
    private void hwProbe(boolean coherent) {
        int idr0 = hw.idr(0);
        if (((idr0 >>> 27) & 3) == 1) {
            features |= FEAT_2_LVL_STRTAB;
        }
        if ((idr0 & (1 << 19)) != 0) {
            features |= FEAT_2_LVL_CDTAB;
        }
        switch ((idr0 >>> 21) & 3) {
            case 0 -> features |= FEAT_TT_LE | FEAT_TT_BE;
            case 2 -> features |= FEAT_TT_LE;
            default -> throw fail("unknown/unsupported TT endianness!", ENXIO);
        }
        if ((idr0 & (1 << 13)) != 0) {
            features |= FEAT_MSI;
        }
        if ((idr0 & (1 << 14)) != 0) {
            features |= FEAT_SEV;
        }
        if (((idr0 & (1 << 4)) != 0) != coherent) {
            print("IDR0.COHACC overridden by FW configuration (" + coherent + ")");
        }
        switch ((idr0 >>> 24) & 3) {
            case 2 -> features |= FEAT_STALL_FORCE | FEAT_STALLS;
            case 0 -> features |= FEAT_STALLS;
            default -> {
            }
        }
        if ((idr0 & (1 << 1)) != 0) {
            features |= FEAT_TRANS_S1;
        }
        if ((idr0 & 1) != 0) {
            features |= FEAT_TRANS_S2;
        }
        if ((features & (FEAT_TRANS_S1 | FEAT_TRANS_S2)) == 0) {
            throw fail("no translation support!", ENXIO);
        }
        switch ((idr0 >>> 2) & 3) {
            case 3 -> ias = 40;
            case 2 -> {
            }
            default -> throw fail("AArch64 table format not supported!", ENXIO);
        }
        asidBits = (idr0 & (1 << 12)) != 0 ? 16 : 8;

        int idr1 = hw.idr(1);
        if ((idr1 & (7 << 29)) != 0) { // TABLES_PRESET | QUEUES_PRESET | REL
            throw fail("embedded implementation not supported", ENXIO);
        }
        cmdqShift = Math.min(Q_MAX_SZ_SHIFT - 4, (idr1 >>> 21) & 0x1f);
        if (cmdqShift <= 6) {
            throw fail("command queue size <= 64 entries not supported", ENXIO);
        }
        evtqShift = Math.min(Q_MAX_SZ_SHIFT - 5, (idr1 >>> 16) & 0x1f);
        ssidBits = (idr1 >>> 6) & 0x1f;
        sidBits = idr1 & 0x3f;
        if (sidBits <= STRTAB_SPLIT) {
            features &= ~FEAT_2_LVL_STRTAB;
        }
        if ((hw.idr(3) & (1 << 10)) != 0) {
            features |= FEAT_RANGE_INV;
        }

        int idr5 = hw.idr(5);
        if ((idr5 & (1 << 6)) != 0) {
            pgsizeBitmap |= (64L << 10) | (512L << 20);
        }
        if ((idr5 & (1 << 5)) != 0) {
            pgsizeBitmap |= (16L << 10) | (32L << 20);
        }
        if ((idr5 & (1 << 4)) != 0) {
            pgsizeBitmap |= (4L << 10) | (2L << 20) | (1L << 30);
        }
        switch (idr5 & 7) {
            case 0 -> oas = 32;
            case 1 -> oas = 36;
            case 2 -> oas = 40;
            case 3 -> oas = 42;
            case 4 -> oas = 44;
            case 5 -> oas = 48;
            default -> {
                print("unknown output address size. Truncating to 48-bit");
                oas = 48;
            }
        }
        ias = Math.max(ias, oas);
        print(String.format("ias %d-bit, oas %d-bit (features 0x%08x)", ias, oas, features));
    }

    private void initStructures() {
        if ((features & FEAT_2_LVL_STRTAB) == 0) {
            throw fail("linear stream tables (SIDSIZE <= 8) are not modelled", ENXIO);
        }
        print("allocated " + (1 << cmdqShift) + " entries for cmdq");
        print("allocated " + (1 << evtqShift) + " entries for evtq");
        // arm_smmu_init_strtab_2lvl: STRTAB_L1_SZ_SHIFT 20, 8-byte descriptors
        int size = Math.min(20 - 3, sidBits - STRTAB_SPLIT);
        numL1Ents = 1 << size;
        if (size + STRTAB_SPLIT < sidBits) {
            print(String.format("2-level strtab only covers %d/%d bits of SID", size + STRTAB_SPLIT, sidBits));
        }
        l1Table = mem.allocPage(Gfp.GFP_KERNEL);
        if (l1Table < 0) {
            throw fail("failed to allocate l1 stream table (" + numL1Ents * 8 + " bytes)", ENOMEM);
        }
        l2Tables = new long[numL1Ents];
    }

    /** {@code arm_smmu_device_reset}. */
    private void reset(boolean bypass) {
        hw.setEnabled(false);
        int cfg = (1 << 16) | (STRTAB_SPLIT << 6) | sidBits;
        hw.setStreamTable(l1Table | (1L << 62), cfg);
        cmdq.issueWithSync(org.dmasim.iommu.smmu.hw.SmmuCommand.CFGI_ALL, 31);
        cmdq.issueWithSync(org.dmasim.iommu.smmu.hw.SmmuCommand.TLBI_NSNH_ALL, 0);
        hw.enableEventQueue(evtqShift);
        if (!evtqIrq) {
            print("no evtq irq - events will not be reported!");
        }
        if (!gerrIrq) {
            print("no gerr irq - errors will not be reported!");
        }
        if (!bypass || params.disableBypass()) {
            hw.setEnabled(true);
        }
        // else: GBPA.ABORT cleared and SMMUEN left off, every stream bypasses
    }

    // ---- masters and stream table ----

    /**
     * {@code arm_smmu_probe_device} / {@code arm_smmu_insert_master}: the master's stream IDs
     * enter the stream tree, each level-2 table they need is allocated (all STEs abort with
     * {@code disable_bypass}, else bypass). A stream ID another master holds fails the probe with
     * the kernel's warning.
     *
     * @param devLabel the device's message prefix ({@code dev_driver_string dev_name}), e.g.
     *     {@code pci 0000:00:02.0}; its last word is {@code dev_name}
     */
    public synchronized Master probeDevice(String devLabel, int[] streamIds) {
        String name = devLabel.substring(devLabel.lastIndexOf(' ') + 1);
        Master m = new Master(devLabel, name, streamIds);
        List<Integer> inserted = new ArrayList<>();
        for (int sid : m.sids()) {
            if (sid < 0 || sid >= numL1Ents << STRTAB_SPLIT) {
                undo(inserted);
                throw new SmmuProbeException(String.format("%s: stream ID 0x%x is beyond the SMMU's stream table"
                    + " (%d IDs); probe failed with error %d", devLabel, sid, numL1Ents << STRTAB_SPLIT, ERANGE), ERANGE);
            }
            initL2(sid >>> STRTAB_SPLIT);
            Master other = streams.get(sid);
            if (other != null) {
                String line = devLabel + ": stream " + sid + " already in tree from dev " + other.name();
                devLog.accept(line);
                undo(inserted);
                throw new SmmuProbeException(line, EINVAL);
            }
            streams.put(sid, m);
            inserted.add(sid);
        }
        return m;
    }

    private void undo(List<Integer> inserted) {
        for (int sid : inserted) {
            streams.remove(sid);
        }
    }

    /** {@code arm_smmu_init_l2_strtab}: a 16 KiB table of no-domain STEs, then the L1 descriptor. */
    private void initL2(int l1Index) {
        if (l2Tables[l1Index] != 0) {
            return;
        }
        long l2 = mem.allocPages(Gfp.GFP_KERNEL, 2);
        if (l2 < 0) {
            String line = prefix + "failed to allocate l2 stream table for SID " + (l1Index << STRTAB_SPLIT);
            devLog.accept(line);
            throw new SmmuProbeException(line, ENOMEM);
        }
        for (int i = 0; i < 1 << STRTAB_SPLIT; i++) {
            long ste = l2 + i * STE_DWORDS * 8L;
            mem.write(ste + 8, 1L << 44); // SHCFG incoming
            mem.write(ste, noDomainSte0());
        }
        l2Tables[l1Index] = l2;
        mem.write(l1Table + l1Index * 8L, l2 | (STRTAB_SPLIT + 1));
    }

    private long noDomainSte0() {
        return params.disableBypass() ? 0x1 : 0x9;
    }

    private long steAddr(int sid) {
        return l2Tables[sid >>> STRTAB_SPLIT] + (sid & 0xff) * STE_DWORDS * 8L;
    }

    /** {@code arm_smmu_release_device}: detaches and drops the master's streams (the L2 tables stay). */
    public synchronized void releaseDevice(Master m) {
        if (m.released) {
            throw new IllegalStateException(m.label() + ": released twice");
        }
        detach(m);
        for (int sid : m.sids()) {
            streams.remove(sid, m);
        }
        m.released = true;
    }

    // ---- ASIDs and domains ----

    /** Lowest free ASID from 1 ({@code xa_alloc} over 1 .. 2^asid_bits - 1); -1 when none is left. */
    public synchronized int allocAsid() {
        int asid = asids.nextClearBit(1);
        if (asid >= 1 << asidBits) {
            return -1;
        }
        asids.set(asid);
        return asid;
    }

    /**
     * Domain free: the ASID and the domain's CD table are released (the page tables' flush-all
     * comes from io-pgtable's free, through {@link #flushOps}).
     */
    public synchronized void freeAsid(int asid) {
        if (!asids.get(asid)) {
            throw new IllegalArgumentException("ASID " + asid + " is not allocated");
        }
        S1Domain d = domains.get(asid);
        if (d != null) {
            if (!d.masters.isEmpty()) {
                throw new IllegalStateException("ASID " + asid + " is still in use by " + d.masters);
            }
            mem.freePage(d.cdTable);
            domains.remove(asid);
        }
        asids.clear(asid);
    }

    /**
     * {@code arm_smmu_attach_dev} of a stage-1 domain with ASID {@code asid} and page tables at
     * {@code ttbr}: detach first, on the domain's first attach write its CD, then the STEs.
     */
    public synchronized void attachS1(Master m, int asid, long ttbr, S1Config cfg) {
        checkLive(m);
        if (!asids.get(asid)) {
            throw new IllegalArgumentException("ASID " + asid + " is not allocated");
        }
        S1Domain d = domains.get(asid);
        if (d != null && d.ttbr != ttbr) {
            throw new IllegalArgumentException(String.format("ASID %d belongs to the domain with TTBR 0x%x, not 0x%x",
                asid, d.ttbr, ttbr));
        }
        detach(m);
        if (d == null) {
            d = finaliseS1(asid, ttbr, cfg);
        }
        m.state = Master.S1;
        m.asid = asid;
        long ste0 = d.cdTable | (5L << 1) | 1; // V, Config S1, S1Fmt linear, S1CDMax 0
        long ste1 = 2 | (1 << 2) | (1 << 4) | (3 << 6); // S1DSS SSID0, S1CIR/S1COR WBRA, S1CSH ISH
        for (int sid : uniqueSids(m)) {
            long ste = steAddr(sid);
            mem.write(ste + 8, ste1);
            mem.write(ste + 16, 0);
            cmdq.issueWithSync(CmdQueue.cfgiSte(sid), 1);
            mem.write(ste, ste0);
            cmdq.issueWithSync(CmdQueue.cfgiSte(sid), 1);
            cmdq.issue(CmdQueue.prefetchCfg(sid), 0);
        }
        d.masters.add(m);
    }

    /** {@code arm_smmu_domain_finalise_s1} + {@code arm_smmu_write_ctx_desc} of a new CD. */
    private S1Domain finaliseS1(int asid, long ttbr, S1Config cfg) {
        long cdTable = mem.allocPage(Gfp.GFP_KERNEL);
        if (cdTable < 0) {
            throw new IllegalStateException(prefix + "failed to allocate context descriptor (-12)");
        }
        S1Domain d = new S1Domain(cdTable, ttbr);
        domains.put(asid, d);
        mem.write(cdTable + 8, ttbr & 0x000f_ffff_ffff_fff0L);
        mem.write(cdTable + 16, 0);
        mem.write(cdTable + 24, cfg.mair());
        syncCd(d);
        long tcr = cfg.t0sz() | ((long) cfg.tg0() << 6) | ((long) cfg.irgn() << 8) | ((long) cfg.orgn() << 10)
            | ((long) cfg.sh() << 12) | (1L << 30) | ((long) cfg.ips() << 32); // EPD1
        long cd0 = tcr | (1L << 45) | (1L << 46) | (1L << 47) | (1L << 41) | ((long) asid << 48) | (1L << 31);
        mem.write(cdTable, cd0);
        syncCd(d);
        return d;
    }

    /** {@code arm_smmu_sync_cd}: CFGI_CD for every stream of every attached master, then a sync. */
    private void syncCd(S1Domain d) {
        CmdQueue.Batch b = cmdq.batch();
        for (Master m : d.masters) {
            for (int sid : m.sids()) {
                b.add(CmdQueue.cfgiCd(sid, 0), 1);
            }
        }
        b.submit();
    }

    /** Identity domain: every STE of the master bypass. */
    public synchronized void attachBypass(Master m) {
        checkLive(m);
        detach(m);
        m.state = Master.BYPASS;
        installNoTranslation(m, 0x9);
    }

    /** {@code arm_smmu_detach_dev}: back to abort (or bypass without {@code disable_bypass}). */
    public synchronized void detach(Master m) {
        if (m.state == Master.NONE) {
            return;
        }
        if (m.state == Master.S1) {
            domains.get(m.asid).masters.remove(m);
        }
        m.state = Master.NONE;
        m.asid = 0;
        installNoTranslation(m, noDomainSte0());
    }

    private void installNoTranslation(Master m, long ste0) {
        for (int sid : uniqueSids(m)) {
            long ste = steAddr(sid);
            mem.write(ste, ste0);
            mem.write(ste + 8, 1L << 44);
            mem.write(ste + 16, 0);
            cmdq.issueWithSync(CmdQueue.cfgiSte(sid), 1);
        }
    }

    /** Bridged PCI devices may carry the same SID twice; each STE is written once. */
    private static int[] uniqueSids(Master m) {
        return java.util.Arrays.stream(m.sids()).distinct().toArray();
    }

    private void checkLive(Master m) {
        if (m.released) {
            throw new IllegalStateException(m.label() + ": released");
        }
    }

    // ---- TLB maintenance ----

    /** io-pgtable's flush callbacks for the domain with ASID {@code asid} ({@code arm_smmu_flush_ops}). */
    public IoPgtableTlb flushOps(int asid) {
        // one sync callback per domain: a gather that must be synced before a page joins it
        // (iommu_iotlb_gather_add_page) calls it; built here so that adding a page allocates nothing
        Consumer<IotlbGather> sync = g -> iotlbSync(asid, g);
        return new IoPgtableTlb() {
            @Override
            public void flushAll() {
                flushIotlbAll(asid);
            }

            @Override
            public void flushWalk(long iova, long size, long granule) {
                invalidateRange(asid, iova, size, granule, false);
            }

            @Override
            public void addPage(IotlbGather gather, long iova, long granule) {
                gather.addPage(iova, granule, sync);
            }

            @Override
            public void iotlbSync(IotlbGather gather) {
                ArmSmmuV3.this.iotlbSync(asid, gather);
            }
        };
    }

    /** {@code arm_smmu_iotlb_sync} (and the core's gather reset): leaf TLBI over the gathered range + sync. */
    public void iotlbSync(int asid, IotlbGather g) {
        if (g.pgsize() != 0) {
            invalidateRange(asid, g.start(), g.end() - g.start() + 1, g.pgsize(), true);
        }
        g.reset();
    }

    /** {@code arm_smmu_flush_iotlb_all} / {@code arm_smmu_tlb_inv_context}: TLBI_NH_ASID + sync. */
    public void flushIotlbAll(int asid) {
        cmdq.issueWithSync(CmdQueue.tlbiNhAsid(asid), 0);
    }

    /** {@code __arm_smmu_tlb_inv_range} with a TLBI_NH_VA template ({@link CmdQueue#invalidateRange}). */
    void invalidateRange(int asid, long iova, long size, long granule, boolean leaf) {
        cmdq.invalidateRange(asid, iova, size, granule, leaf, (features & FEAT_RANGE_INV) != 0);
    }

    // ---- events ----

    /** The clock of the event ratelimit (nanoseconds); tests inject one. */
    public synchronized void setClock(LongSupplier nanos) {
        this.clock = nanos;
        this.ratelimit = new Ratelimit("arm_smmu_evtq_thread");
    }

    /**
     * {@code arm_smmu_evtq_thread} (and {@code arm_smmu_gerror_handler} for event-queue write
     * aborts): drains the event queue; returns the lines printed, in order.
     */
    public synchronized List<String> processEvents() {
        List<String> out = new ArrayList<>();
        if (evtqIrq) {
            long[] evt = new long[4];
            while (hw.pollEvent(evt)) {
                int id = (int) (evt[0] & 0xff);
                // arm_smmu_handle_evt: DMA-API masters have no fault handler, nothing is consumed
                if (!ratelimit.allow(clock, out::add)) {
                    continue;
                }
                out.add(prefix + String.format("event 0x%02x received:", id));
                for (long dw : evt) {
                    out.add(prefix + String.format("\t0x%016x", dw));
                }
            }
        }
        if (gerrIrq) {
            int gerror = hw.gerror();
            int active = gerror ^ hw.gerrorn();
            if ((active & 0x1fd) != 0) { // GERROR_ERR_MASK
                out.add(prefix + String.format("unexpected global error reported (0x%08x), this could be serious",
                    active));
                if ((active & SmmuHw.GERROR_EVTQ_ABT_ERR) != 0) {
                    out.add(prefix + "EVTQ write aborted -- events may have been lost");
                }
                hw.writeGerrorn(gerror);
            }
        }
        for (String l : out) {
            devLog.accept(l);
        }
        return out;
    }

    /** The driver's message prefix, {@code arm-smmu-v3 9050000.smmuv3: }. */
    public String prefix() {
        return prefix;
    }

    /**
     * The SMMU leaves service (the backend was stopped and drained): SMMUEN off, every stream
     * table and CD table back to the page allocator. Masters must have been released.
     */
    public synchronized void shutdown() {
        if (l2Tables == null) {
            return;
        }
        if (!streams.isEmpty()) {
            throw new IllegalStateException(prefix + "shutdown with masters still probed: " + streams.values());
        }
        hw.setEnabled(false);
        for (int asid : List.copyOf(domains.keySet())) {
            mem.freePage(domains.get(asid).cdTable);
        }
        domains.clear();
        for (long l2 : l2Tables) {
            if (l2 != 0) {
                mem.freePages(l2, 2);
            }
        }
        mem.freePage(l1Table);
        l2Tables = null;
    }

    // ---- reports ----

    public Stats stats() {
        return cmdq.stats();
    }

    /** What probe printed, in order. */
    public synchronized List<String> bootLines() {
        return List.copyOf(bootLines);
    }

    /** The feature bits the driver derived ({@code smmu->features}). */
    public int features() {
        return features;
    }

    /** {@code smmu->oas}: the output size stage-1 page tables get. */
    public int oas() {
        return oas;
    }

    /** {@code smmu->ias}. */
    public int ias() {
        return ias;
    }

    /** Physical address of the STE of {@code sid} (0 when its level-2 table does not exist). */
    public synchronized long steAddress(int sid) {
        return l2Tables[sid >>> STRTAB_SPLIT] == 0 ? 0 : steAddr(sid);
    }

    /** Physical address of the CD table of the domain with {@code asid} (0 before its first attach). */
    public synchronized long cdAddress(int asid) {
        S1Domain d = domains.get(asid);
        return d == null ? 0 : d.cdTable;
    }

    /** Physical address of the level-1 stream table. */
    public long streamTable() {
        return l1Table;
    }
}
