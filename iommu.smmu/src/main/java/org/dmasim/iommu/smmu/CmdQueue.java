package org.dmasim.iommu.smmu;

import java.util.LinkedHashMap;
import java.util.Map;
import org.dmasim.iommu.smmu.hw.SmmuCommand;
import org.dmasim.iommu.smmu.hw.SmmuHw;

/**
 * The driver's side of the command queue: {@code arm_smmu_cmdq_build_cmd} encodings,
 * {@code arm_smmu_cmdq_issue_cmdlist} (a list of commands, optionally followed by a CMD_SYNC) and
 * the 64-entry batches ({@code struct arm_smmu_cmdq_batch}) that invalidations are built in, and
 * the range invalidation built from them ({@link #invalidateRange}).
 *
 * <p>CMD_SYNC completion: QEMU's SMMU has no MSI (IDR0.MSI clear), so the driver never uses MSI
 * polling and the sync is {@code CS = SEV, MSH = ISH, MSIATTR = OIWB}: {@code 0x0fc02046}.
 */
final class CmdQueue {
    /** {@code CMDQ_BATCH_ENTRIES} = BITS_PER_LONG. */
    static final int BATCH_ENTRIES = 64;
    static final long CMD_SYNC_DW0 = SmmuCommand.CMD_SYNC | (2L << 12) | (3L << 22) | (0xfL << 24);

    /**
     * The SMMU the commands go to. Its lock also guards this queue (the producer side): a command
     * list is counted and consumed under one acquisition, as the hardware consumes it at once.
     */
    private final SmmuHw hw;
    private final long[] counts = new long[SmmuCommand.OPCODES];
    private long syncs;
    private long lists;

    CmdQueue(SmmuHw hw) {
        this.hw = hw;
    }

    /**
     * A batch being built ({@code arm_smmu_cmdq_batch_add} / {@code _submit}). The kernel's lives
     * on the stack; this one starts with room for one command and its sync (what a strict 4 KiB
     * unmap needs) and grows to the 64 of a full batch, so the common invalidation allocates little.
     */
    final class Batch {
        private long[] cmds = new long[4];
        private int num;

        void add(long dw0, long dw1) {
            if (num == BATCH_ENTRIES) {
                issue(cmds, num, false);
                num = 0;
            }
            if (2 * num + 4 > cmds.length) {
                cmds = java.util.Arrays.copyOf(cmds, Math.min(cmds.length * 2, (BATCH_ENTRIES + 1) * 2));
            }
            cmds[2 * num] = dw0;
            cmds[2 * num + 1] = dw1;
            num++;
        }

        /** Issues what is left followed by a CMD_SYNC (a bare sync when nothing is left). */
        void submit() {
            issue(cmds, num, true);
            num = 0;
        }
    }

    Batch batch() {
        return new Batch();
    }

    /**
     * {@code arm_smmu_cmdq_issue_cmd_with_sync}: the list of one command and a CMD_SYNC, counted
     * and consumed under one acquisition of the SMMU's lock, without building an array.
     */
    void issueWithSync(long dw0, long dw1) {
        hw.lock();
        counts[SmmuCommand.opcode(dw0)]++;
        counts[SmmuCommand.CMD_SYNC]++;
        syncs++;
        lists++;
        boolean consumed = hw.consume(dw0, dw1) && hw.consume(CMD_SYNC_DW0, 0);
        hw.unlock();
        if (!consumed) {
            throw SmmuHw.illegalCommand(dw0);
        }
    }

    /** {@code arm_smmu_cmdq_issue_cmd}: one command, no sync. */
    void issue(long dw0, long dw1) {
        issue(new long[] {dw0, dw1}, 1, false);
    }

    /**
     * {@code arm_smmu_cmdq_issue_cmdlist}; {@code cmds} has room for the sync when {@code sync}.
     *
     * @throws IllegalArgumentException for a command the SMMU does not implement (everything
     *     counted, the commands before it consumed)
     */
    void issue(long[] cmds, int n, boolean sync) {
        int total = n;
        if (sync) {
            cmds[2 * n] = CMD_SYNC_DW0;
            cmds[2 * n + 1] = 0;
            total++;
        }
        hw.lock();
        if (sync) {
            syncs++;
        }
        for (int i = 0; i < total; i++) {
            counts[SmmuCommand.opcode(cmds[2 * i])]++;
        }
        lists++;
        int i = 0;
        while (i < total && hw.consume(cmds[2 * i], cmds[2 * i + 1])) {
            i++;
        }
        hw.unlock();
        if (i < total) {
            throw SmmuHw.illegalCommand(cmds[2 * i]);
        }
    }

    Stats stats() {
        hw.lock();
        try {
            return statsLocked();
        } finally {
            hw.unlock();
        }
    }

    private Stats statsLocked() {
        Map<String, Long> m = new LinkedHashMap<>();
        for (int op = 0; op < counts.length; op++) {
            if (counts[op] != 0) {
                m.put(SmmuCommand.name(op), counts[op]);
            }
        }
        return new Stats(Map.copyOf(m), syncs, lists);
    }

    /**
     * {@code __arm_smmu_tlb_inv_range} for a TLBI_NH_VA of {@code asid}: without range
     * invalidation one command per {@code granule} step; with it ({@code ril}, IDR3.RIL) commands
     * of (NUM + 1) << SCALE pages, TG for the 4 KiB granule, TTL the level of a leaf flush (a walk
     * flush of one page is bumped to two), then a CMD_SYNC.
     */
    void invalidateRange(int asid, long iova, long size, long granule, boolean leaf, boolean ril) {
        if (size == 0) {
            return;
        }
        long end = iova + size;
        int tgShift = Long.numberOfTrailingZeros(4096); // lowest page size of the domain's bitmap
        long numPages = 0;
        int tg = 0;
        int ttl = 0;
        if (ril) {
            numPages = size >>> tgShift;
            tg = (tgShift - 10) / 2;
            if (leaf) {
                ttl = 4 - ((63 - Long.numberOfLeadingZeros(granule)) - 3) / (tgShift - 3);
            } else if ((numPages & 31) == 1) {
                numPages++;
            }
        }
        if (ril && numPages != 0 && (numPages >>> Long.numberOfTrailingZeros(numPages)) <= 31) {
            // one command covers it all (a strict unmap of up to 31 pages): no batch to build
            int scale = Long.numberOfTrailingZeros(numPages);
            int num = (int) (numPages >>> scale) - 1;
            issueWithSync(tlbiNhVa0(asid, num, scale), tlbiNhVa1(iova, leaf, ttl, tg));
            return;
        }
        Batch b = batch();
        long invRange = granule;
        while (Long.compareUnsigned(iova, end) < 0) {
            int num = 0;
            int scale = 0;
            if (ril) {
                if (numPages == 0) {
                    break;
                }
                scale = Long.numberOfTrailingZeros(numPages);
                long chunks = (numPages >>> scale) & 31;
                num = (int) chunks - 1;
                invRange = chunks << (scale + tgShift);
                numPages -= chunks << scale;
            }
            b.add(tlbiNhVa0(asid, num, scale), tlbiNhVa1(iova, leaf, ttl, tg));
            iova += invRange;
        }
        b.submit();
    }

    // ---- encodings (arm_smmu_cmdq_build_cmd) ----

    static long cfgiSte(int sid) {
        return SmmuCommand.CFGI_STE | ((long) sid << 32);
    }

    static long cfgiCd(int sid, int ssid) {
        return SmmuCommand.CFGI_CD | ((long) ssid << 12) | ((long) sid << 32);
    }

    static long prefetchCfg(int sid) {
        return SmmuCommand.PREFETCH_CFG | ((long) sid << 32);
    }

    static long tlbiNhAsid(int asid) {
        return SmmuCommand.TLBI_NH_ASID | ((long) asid << 48);
    }

    static long tlbiNhVa0(int asid, int num, int scale) {
        return SmmuCommand.TLBI_NH_VA | ((long) num << 12) | ((long) scale << 20) | ((long) asid << 48);
    }

    static long tlbiNhVa1(long addr, boolean leaf, int ttl, int tg) {
        return (leaf ? 1 : 0) | ((long) ttl << 8) | ((long) tg << 10) | (addr & ~0xfffL);
    }
}
