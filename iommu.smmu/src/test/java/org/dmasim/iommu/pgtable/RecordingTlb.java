package org.dmasim.iommu.pgtable;

import java.util.ArrayList;
import java.util.List;

/**
 * The flush ops as the SMMUv3 driver wires them, recorded: {@code tlb_add_page} grows the gather
 * by {@code iommu_iotlb_gather_add_page}'s rule, syncing it first when the page does not fit;
 * every callback and sync is logged as a line (a sync an add_page causes comes first).
 */
final class RecordingTlb implements IoPgtableTlb {
    final List<String> log = new ArrayList<>();

    @Override
    public void flushAll() {
        log.add("flush_all");
    }

    @Override
    public void flushWalk(long iova, long size, long granule) {
        log.add(String.format("flush_walk 0x%x 0x%x 0x%x", iova, size, granule));
    }

    @Override
    public void addPage(IotlbGather gather, long iova, long granule) {
        gather.addPage(iova, granule, this::sync);
        log.add(String.format("add_page 0x%x 0x%x", iova, granule));
    }

    @Override
    public void iotlbSync(IotlbGather gather) {
        sync(gather);
    }

    private void sync(IotlbGather g) {
        if (g.pgsize() != 0) {
            log.add(String.format("sync 0x%x-0x%x 0x%x", g.start(), g.end(), g.pgsize()));
        }
        g.reset();
    }

    long count(String prefix) {
        return log.stream().filter(s -> s.startsWith(prefix)).count();
    }
}
