package org.dmasim.iommu.smmu;

import java.util.Map;

/**
 * What the driver sent the SMMU.
 *
 * @param commands commands issued by name, CMD_SYNC included
 * @param syncs CMD_SYNCs issued
 * @param batches command lists handed to the queue ({@code arm_smmu_cmdq_issue_cmdlist} calls)
 */
public record Stats(Map<String, Long> commands, long syncs, long batches) {
}
