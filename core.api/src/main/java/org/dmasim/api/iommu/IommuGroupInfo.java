package org.dmasim.api.iommu;

import java.util.List;

/**
 * One IOMMU group ({@code /sys/kernel/iommu_groups/<id>}).
 *
 * @param id the group number ({@code ida_alloc}: lowest free from 0, in probe order)
 * @param type what its {@code type} file reads: {@code DMA}, {@code DMA-FQ}, {@code identity}
 * @param devices its devices' names
 * @param domain the id of its current default domain (the domain numbers of {@link IommuDomainInfo})
 * @param unit the IOMMU that translates for it
 * @since 2.1
 */
public record IommuGroupInfo(int id, String type, List<String> devices, int domain, String unit) {
    public IommuGroupInfo {
        devices = List.copyOf(devices);
    }
}
