package org.dmasim.shell.format;

import java.util.List;
import org.dmasim.api.iommu.IommuDomainInfo;

/**
 * A platform's live IOMMU domains as {@code iommu:domains} shows them: the groups' current
 * default domains and the replaced ones still draining, each with its IOVA space and page tables.
 */
public class IommuDomainsDTO {
    public String platform;
    public List<IommuDomainInfo> domains;

    public static IommuDomainsDTO of(String platform, List<IommuDomainInfo> domains) {
        IommuDomainsDTO d = new IommuDomainsDTO();
        d.platform = platform;
        d.domains = List.copyOf(domains);
        return d;
    }

    @Override
    public String toString() {
        return ShellFormatter.format(this);
    }
}
