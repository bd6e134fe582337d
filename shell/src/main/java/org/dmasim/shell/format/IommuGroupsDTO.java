package org.dmasim.shell.format;

import java.util.List;
import org.dmasim.api.iommu.IommuGroupInfo;

/**
 * A platform's IOMMU groups as {@code iommu:iommu_groups} shows them: what
 * {@code ls /sys/kernel/iommu_groups/*} and each group's {@code type} file tell, with the
 * default domain and the IOMMU unit that translates for the group.
 */
public class IommuGroupsDTO {
    public String platform;
    /** The IOMMU units, as the kernel names them ({@code arm-smmu-v3 9050000.smmuv3}). */
    public List<String> units;
    public List<IommuGroupInfo> groups;

    public static IommuGroupsDTO of(String platform, List<String> units, List<IommuGroupInfo> groups) {
        IommuGroupsDTO d = new IommuGroupsDTO();
        d.platform = platform;
        d.units = List.copyOf(units);
        d.groups = List.copyOf(groups);
        return d;
    }

    @Override
    public String toString() {
        return ShellFormatter.format(this);
    }
}
