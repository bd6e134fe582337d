package org.dmasim.iommu.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import java.util.Optional;
import org.dmasim.api.device.DmaDevice;
import org.dmasim.api.dma.DmaDirection;
import org.dmasim.api.iommu.IommuDomainInfo;
import org.junit.jupiter.api.Test;

/**
 * A group's type written from DMA-FQ to DMA (no driver bound: a new domain, not a change in place)
 * between two maps of the same device: the second map goes to the new domain, never to the old one
 * the device's last map used, which drains on its own mapping and is freed with it.
 */
class GroupTypeWriteTest {
    @Test
    void aMapAfterTheTypeChangeUsesTheNewDomainWhileTheOldOneDrains() {
        SmmuRig r = SmmuRig.profile("cmdline", "console=ttyAMA0 iommu.strict=0");
        DmaDevice edu = r.edu();
        assertEquals(0, r.dma.setMaskAndCoherent(edu, -1L));
        int group = r.iommu.group(edu).orElseThrow().id();
        int lazy = r.iommu.group(edu).orElseThrow().domain();

        long first = r.mapPage(edu, r.page(), 4096, DmaDirection.TO_DEVICE);
        assertEquals(3, r.iommu.writeGroupType(group, "DMA").result(), "the byte count of 'DMA'");
        int strict = r.iommu.group(edu).orElseThrow().domain();
        assertNotEquals(lazy, strict);

        long second = r.mapPage(edu, r.block(1), 8192, DmaDirection.FROM_DEVICE);
        assertEquals(0xffffe000L, second, "the new domain's first IOVA of two pages");
        assertEquals(1, domain(r, strict).orElseThrow().mappings());
        IommuDomainInfo old = domain(r, lazy).orElseThrow();
        assertEquals("DRAINING", old.state());
        assertEquals(1, old.mappings(), "the old domain holds only what it mapped before the change");

        r.unmapPage(edu, first, 4096, DmaDirection.TO_DEVICE);
        assertEquals(Optional.empty(), domain(r, lazy), "freed with its last mapping");
        r.unmapPage(edu, second, 8192, DmaDirection.FROM_DEVICE);
        assertEquals(0, domain(r, strict).orElseThrow().mappings());
        assertEquals("ACTIVE", domain(r, strict).orElseThrow().state());
    }

    private static Optional<IommuDomainInfo> domain(SmmuRig r, int id) {
        return r.iommu.domains().stream().filter(d -> d.id() == id).findFirst();
    }
}
