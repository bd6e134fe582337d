package org.dmasim.iommu.core;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import org.dmasim.api.addr.DmaAddr;
import org.dmasim.api.device.DmaDevice;
import org.dmasim.api.dma.BusFault;
import org.dmasim.api.dma.DeviceSpec;
import org.dmasim.api.dma.DmaDirection;
import org.dmasim.api.iommu.IommuCounters;
import org.dmasim.api.iommu.IommuGroupInfo;
import org.junit.jupiter.api.Test;

/**
 * Issue 9 acceptance: "A device accessing an unmapped or foreign IOVA faults (strict) and memory is
 * unchanged." What QEMU's SMMUv3 writes to the event queue and arm-smmu-v3 prints (note §2.7): a
 * write to a read-only (TO_DEVICE) page is F_PERMISSION 0x13, an access to an IOVA with no entry is
 * F_TRANSLATION 0x10; dw0 = SID << 32 | id, dw1 = RnW at bit 35, dw2 = the address accessed, dw3 = 0;
 * each line through {@code dev_info} with the unit's prefix. The device sees a bus error.
 */
class FaultIsolationTest {
    private static final String UNIT = "arm-smmu-v3 9050000.smmuv3: ";

    private final SmmuRig r = SmmuRig.profile();
    private final DmaDevice edu = r.edu();

    FaultIsolationTest() {
        assertEquals(0, r.dma.setMaskAndCoherent(edu, -1L));
    }

    private static List<String> event(int id, long sid, boolean read, long addr) {
        return List.of(UNIT + String.format("event 0x%02x received:", id), UNIT + String.format("\t0x%016x", sid << 32
            | id), UNIT + String.format("\t0x%016x", read ? 1L << 35 : 0), UNIT + String.format("\t0x%016x", addr),
            UNIT + "\t0x0000000000000000");
    }

    private List<String> newFaultLines(int before) {
        List<String> all = r.iommu.faultLog();
        return all.subList(before, all.size());
    }

    @Test
    void aWriteToAToDeviceMappingFaultsWithEvent0x13AndLeavesMemoryAlone() {
        long buf = r.page();
        byte[] original = SmmuRig.pattern(4096, 1);
        r.cpuWrite(buf, original);
        long iova = r.mapPage(edu, buf, 4096, DmaDirection.TO_DEVICE);
        assertEquals(0xfffff000L, iova);
        assertEquals(1, r.leaves(edu, iova, 4096).size());
        org.junit.jupiter.api.Assertions.assertTrue(r.leaves(edu, iova, 4096).get(0).contains(" RO "),
            "TO_DEVICE: AP_RDONLY: " + r.leaves(edu, iova, 4096));
        assertArrayEquals(original, r.deviceRead(edu, iova, 4096), "reading is allowed");
        int logged = r.iommu.faultLog().size();
        IommuCounters before = r.counters();
        BusFault f = assertThrows(BusFault.class, () -> r.deviceWrite(edu, iova + 0x10, new byte[64]));
        assertEquals(iova + 0x10, f.dmaHandle());
        assertEquals("0000:00:02.0", f.device());
        assertEquals(event(0x13, 0x10, false, iova + 0x10), newFaultLines(logged));
        assertEquals(1, r.counters().faults() - before.faults());
        assertArrayEquals(original, r.cpuRead(buf, 4096), "memory unchanged");
    }

    @Test
    void aReadOfAnUnmappedIovaFaultsWithEvent0x10() {
        int logged = r.iommu.faultLog().size();
        assertThrows(BusFault.class, () -> r.deviceRead(edu, 0xdead000L, 16));
        assertEquals(event(0x10, 0x10, true, 0xdead000L), newFaultLines(logged), "note §2.7's example");
    }

    @Test
    void afterAStrictUnmapTheIovaFaultsAndMemoryIsUnchanged() {
        long buf = r.page();
        byte[] original = SmmuRig.pattern(4096, 2);
        r.cpuWrite(buf, original);
        long iova = r.mapPage(edu, buf, 4096, DmaDirection.BIDIRECTIONAL);
        assertArrayEquals(original, r.deviceRead(edu, iova, 4096), "the IOTLB now holds the entry");
        r.unmapPage(edu, iova, 4096, DmaDirection.BIDIRECTIONAL);
        int logged = r.iommu.faultLog().size();
        assertThrows(BusFault.class, () -> r.deviceWrite(edu, iova, new byte[4096]));
        assertEquals(event(0x10, 0x10, false, iova), newFaultLines(logged), "strict: the TLBI removed the entry");
        assertArrayEquals(original, r.cpuRead(buf, 4096));
        assertEquals(0, r.counters().staleHits());
    }

    @Test
    void aSecondPciFunctionGetsItsOwnGroupDomainAndAddressSpace() {
        DmaDevice b = r.dma.createDevice(DeviceSpec.pci("0000:00:03.0"));
        assertEquals(0, r.dma.setMaskAndCoherent(b, -1L));
        IommuGroupInfo ga = r.iommu.group(edu).orElseThrow();
        IommuGroupInfo gb = r.iommu.group(b).orElseThrow();
        assertEquals(0, ga.id());
        assertEquals(1, gb.id());
        assertEquals(List.of("0000:00:03.0"), gb.devices());
        assertNotEquals(ga.domain(), gb.domain());
        int asidA = r.iommu.domains().stream().filter(d -> d.id() == ga.domain()).findFirst().orElseThrow().asid();
        int asidB = r.iommu.domains().stream().filter(d -> d.id() == gb.domain()).findFirst().orElseThrow().asid();
        assertNotEquals(asidA, asidB);
        assertEquals("iommu", r.dma.dmaOps(b).orElseThrow().name());

        long pa = r.page();
        long pb = r.page();
        r.cpuWrite(pa, SmmuRig.pattern(4096, 3));
        r.cpuWrite(pb, SmmuRig.pattern(4096, 4));
        long ia = r.mapPage(edu, pa, 4096, DmaDirection.BIDIRECTIONAL);
        long ib = r.mapPage(b, pb, 4096, DmaDirection.BIDIRECTIONAL);
        assertEquals(0xfffff000L, ia);
        assertEquals(0xfffff000L, ib, "each domain has its own IOVA space");
        assertArrayEquals(SmmuRig.pattern(4096, 3), r.deviceRead(edu, ia, 4096));
        assertArrayEquals(SmmuRig.pattern(4096, 4), r.deviceRead(b, ib, 4096), "the same IOVA, B's own page");
        assertEquals(pb, r.dma.deviceAccess(b, new DmaAddr(ib), 1).value());
    }

    @Test
    void deviceBCannotReachDeviceAsIovaEvenRightAfterAUsedIt() {
        DmaDevice b = r.dma.createDevice(DeviceSpec.pci("0000:00:03.0"));
        assertEquals(0, r.dma.setMaskAndCoherent(b, -1L));
        long pa = r.page();
        byte[] original = SmmuRig.pattern(4096, 5);
        r.cpuWrite(pa, original);
        long ia = r.mapPage(edu, pa, 4096, DmaDirection.BIDIRECTIONAL);
        assertArrayEquals(original, r.deviceRead(edu, ia, 4096), "A's translation is now in the IOTLB");
        IommuCounters before = r.counters();
        int logged = r.iommu.faultLog().size();
        assertThrows(BusFault.class, () -> r.deviceWrite(b, ia, new byte[4096]));
        assertEquals(event(0x10, 0x18, false, ia), newFaultLines(logged), "B (SID 0x18) has nothing at A's IOVA");
        IommuCounters after = r.counters();
        assertEquals(0, after.iotlbHits() - before.iotlbHits(), "the IOTLB is tagged by ASID: A's entry is not B's");
        assertEquals(1, after.faults() - before.faults());
        assertThrows(BusFault.class, () -> r.deviceRead(b, ia, 16));
        assertArrayEquals(original, r.cpuRead(pa, 4096), "A's memory unchanged");
        assertArrayEquals(original, r.deviceRead(edu, ia, 4096), "and A still reaches it");
    }
}
