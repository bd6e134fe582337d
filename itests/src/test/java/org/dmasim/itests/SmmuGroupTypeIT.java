package org.dmasim.itests;

import static org.junit.Assert.assertArrayEquals;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import org.dmasim.api.addr.DmaAddr;
import org.dmasim.api.device.DmaDevice;
import org.dmasim.api.dma.DmaApi;
import org.dmasim.api.dma.DmaDirection;
import org.dmasim.api.iommu.Iommu;
import org.dmasim.api.iommu.Iommu.TypeWrite;
import org.dmasim.api.iommu.IommuDomainInfo;
import org.dmasim.api.iommu.IommuGroupInfo;
import org.dmasim.api.mm.Gfp;
import org.dmasim.api.mm.Page;
import org.dmasim.api.mm.PageAllocator;
import org.dmasim.api.platform.Platform;
import org.dmasim.api.platform.Platform.State;
import org.dmasim.api.platform.PlatformConfig;
import org.junit.Test;
import org.junit.runner.RunWith;
import org.ops4j.pax.exam.junit.PaxExam;
import org.ops4j.pax.exam.spi.reactors.ExamReactorStrategy;
import org.ops4j.pax.exam.spi.reactors.PerClass;
import org.osgi.framework.ServiceReference;

/**
 * {@code /sys/kernel/iommu_groups/N/type} on a running platform, through the Iommu service, with
 * the rules of Linux 6.1's {@code iommu_group_store_type}: the value is checked first (-EINVAL),
 * then the driver (-EBUSY, {@code iommu: Device is still bound to driver}), except DMA to DMA-FQ,
 * which 6.1 makes in place on the live domain. A real change gives the group a new domain for new
 * work while the old one drains on the mappings it made, which the device keeps reaching through
 * their IOVAs until the driver unmaps them.
 *
 * <p>The board is {@code qemu-virt-arm64-smmuv3}; the edu device 0000:00:02.0 sits alone in its
 * group, its driver set a 64-bit mask, its buffers lie above 4 GiB (so dma-direct's bus addresses
 * never meet the IOVAs, which the 32-bit-first rule keeps below 4 GiB).
 */
@RunWith(PaxExam.class)
@ExamReactorStrategy(PerClass.class)
public class SmmuGroupTypeIT extends DmasimTestSupport {
    private static final String BOARD = "smmu-group-type";
    private static final String EDU = "0000:00:02.0";
    private static final int PAGE = (int) Page.PAGE_SIZE;
    private static final long FOUR_GIB = 0x1_0000_0000L;
    private static final long EBUSY = -16;
    private static final long EINVAL = -22;

    @Test
    public void theTypeFileChangesTheDefaultDomainAsLinuxAllowsAndTheOldDomainDrains() throws Exception {
        createPlatform(BOARD, Map.of(PlatformConfig.PROFILE, "qemu-virt-arm64-smmuv3"));
        ServiceReference<Platform> ref = awaitState(BOARD, State.BOOTED);
        Board board = withPlatform(ref, Board::new);
        Iommu iommu = context.getService(service(Iommu.class, BOARD));
        int group = iommu.group(board.edu).orElseThrow().id();
        int bootDomain = iommu.group(board.edu).orElseThrow().domain();
        Random rng = new Random(1);

        // Boot default: a strict DMA domain, dma-iommu.
        assertEquals("DMA", iommu.readGroupType(group));
        assertEquals("iommu", board.opsName().orElseThrow());

        // A mapping the driver keeps across every change below.
        long kept = board.page();
        DmaAddr keptHandle = board.map(kept, PAGE, DmaDirection.BIDIRECTIONAL);
        assertEquals("the domain's first IOVA", 0xfffff000L, keptHandle.value());

        // DMA -> DMA-FQ with a driver bound: allowed, in place (the live domain gets a flush queue).
        board.dma.bindDriver(board.edu, "edu");
        TypeWrite fq = iommu.writeGroupType(group, "DMA-FQ");
        assertEquals("the byte count of 'DMA-FQ'", 6, fq.result());
        assertEquals(List.of(), fq.printed());
        assertEquals("DMA-FQ", iommu.readGroupType(group));
        assertEquals("the same domain", bootDomain, iommu.group(board.edu).orElseThrow().domain());
        IommuDomainInfo live = domain(iommu, bootDomain).orElseThrow();
        assertEquals("DMA-FQ", live.type());
        assertEquals("ACTIVE", live.state());

        // Anything else with a driver bound: -EBUSY, the kernel's line, nothing changed.
        TypeWrite busy = iommu.writeGroupType(group, "identity");
        assertEquals(EBUSY, busy.result());
        assertEquals(List.of("iommu: Device is still bound to driver"), busy.printed());
        assertEquals("DMA-FQ", iommu.readGroupType(group));
        assertEquals(bootDomain, iommu.group(board.edu).orElseThrow().domain());
        assertEquals("iommu", board.opsName().orElseThrow());

        // A value the file does not take: -EINVAL whatever the driver, nothing changed.
        IommuGroupInfo unchanged = iommu.group(board.edu).orElseThrow();
        List<IommuDomainInfo> domainsBefore = iommu.domains();
        TypeWrite bad = iommu.writeGroupType(group, "passthrough");
        assertEquals(EINVAL, bad.result());
        assertEquals(unchanged, iommu.group(board.edu).orElseThrow());
        assertEquals(domainsBefore, iommu.domains());

        // Unbound, identity: a new domain, the device on dma-direct for new work ...
        board.dma.unbindDriver(board.edu);
        TypeWrite identity = iommu.writeGroupType(group, "identity\n");
        assertEquals("the byte count of 'identity\\n'", 9, identity.result());
        assertEquals("identity", iommu.readGroupType(group));
        int identityDomain = iommu.group(board.edu).orElseThrow().domain();
        assertTrue(identityDomain != bootDomain);
        assertEquals("identity", domain(iommu, identityDomain).orElseThrow().type());
        assertEquals("no DMA ops: dma-direct", Optional.empty(), board.opsName());
        long direct = board.page();
        DmaAddr directHandle = board.map(direct, PAGE, DmaDirection.FROM_DEVICE);
        assertEquals("dma-direct: bus address == phys", direct, directHandle.value());
        byte[] viaDirect = DeviceDma.pattern(rng, PAGE);
        board.deviceWrite(directHandle, viaDirect);
        board.dma.unmapSingle(board.edu, directHandle, PAGE, DmaDirection.FROM_DEVICE, 0);
        assertArrayEquals(viaDirect, board.cpuRead(direct, PAGE));

        // ... while the old domain drains on the mapping it made (the device's access through
        // that IOVA: see theOldDomainsMappingIsReachedThroughItsIovaUntilUnmapped).
        IommuDomainInfo draining = domain(iommu, bootDomain).orElseThrow();
        assertEquals("DRAINING", draining.state());
        assertEquals(1, draining.mappings());
        assertEquals(List.of(bootDomain, identityDomain), iommu.domains().stream().map(IommuDomainInfo::id).toList());
        board.dma.unmapSingle(board.edu, keptHandle, PAGE, DmaDirection.BIDIRECTIONAL, 0);
        assertEquals("the old domain is freed with its last mapping", Optional.empty(), domain(iommu, bootDomain));

        // auto: back to the boot's default, a DMA domain translating afresh.
        TypeWrite auto = iommu.writeGroupType(group, "auto");
        assertEquals(4, auto.result());
        assertEquals("DMA", iommu.readGroupType(group));
        int dmaDomain = iommu.group(board.edu).orElseThrow().domain();
        assertTrue(dmaDomain != identityDomain && dmaDomain != bootDomain);
        assertEquals(Optional.empty(), domain(iommu, identityDomain));
        assertEquals("iommu", board.opsName().orElseThrow());
        long again = board.page();
        DmaAddr translated = board.map(again, PAGE, DmaDirection.TO_DEVICE);
        assertEquals("a fresh domain's first IOVA", 0xfffff000L, translated.value());
        board.dma.unmapSingle(board.edu, translated, PAGE, DmaDirection.TO_DEVICE, 0);

        // Writing the current type changes nothing and succeeds.
        TypeWrite same = iommu.writeGroupType(group, "DMA");
        assertEquals(3, same.result());
        assertEquals(dmaDomain, iommu.group(board.edu).orElseThrow().domain());
        assertTrue("every mapping gone", board.dma.mappings().isEmpty());
    }

    /**
     * The drain rule for the device's own accesses ({@link Iommu#writeGroupType}: "the old one
     * drains (its mappings keep working until unmapped)"): after the group went to identity, the
     * device still reads and writes the buffer of a mapping the DMA domain made, through its IOVA
     * (the stream now bypasses, but an IOVA the old, draining domain maps is reached through that
     * domain's page tables until it is unmapped).
     */
    @Test
    public void theOldDomainsMappingIsReachedThroughItsIovaUntilUnmapped() throws Exception {
        String name = BOARD + "-drain";
        createPlatform(name, Map.of(PlatformConfig.PROFILE, "qemu-virt-arm64-smmuv3"));
        Board board = withPlatform(awaitState(name, State.BOOTED), Board::new);
        Iommu iommu = context.getService(service(Iommu.class, name));
        int group = iommu.group(board.edu).orElseThrow().id();
        Random rng = new Random(2);

        long kept = board.page();
        DmaAddr keptHandle = board.map(kept, PAGE, DmaDirection.BIDIRECTIONAL);
        assertEquals(0xfffff000L, keptHandle.value());
        assertEquals(8, iommu.writeGroupType(group, "identity").result());

        byte[] written = DeviceDma.pattern(rng, PAGE);
        board.deviceWrite(keptHandle, written);
        board.dma.syncSingleForCpu(board.edu, keptHandle, PAGE, DmaDirection.BIDIRECTIONAL);
        assertArrayEquals("the device's write through the old IOVA reached the buffer", written,
            board.cpuRead(kept, PAGE));
        byte[] read = DeviceDma.pattern(rng, PAGE);
        board.cpuWrite(kept, read);
        board.dma.syncSingleForDevice(board.edu, keptHandle, PAGE, DmaDirection.BIDIRECTIONAL);
        assertArrayEquals("the device reads the buffer through the old IOVA", read,
            board.deviceRead(keptHandle, PAGE));
        board.dma.unmapSingle(board.edu, keptHandle, PAGE, DmaDirection.BIDIRECTIONAL, 0);
        assertTrue(board.dma.mappings().isEmpty());
    }

    private static Optional<IommuDomainInfo> domain(Iommu iommu, int id) {
        return iommu.domains().stream().filter(d -> d.id() == id).findFirst();
    }

    /** The edu device's DMA, its driver's 64-bit mask, and pages from the platform's page allocator. */
    private static final class Board extends DeviceDma {
        final PageAllocator buddy;
        final DmaDevice edu;

        Board(Platform p) {
            super(p, p.lookup(DmaApi.class).orElseThrow().device(EDU).orElseThrow());
            this.buddy = p.lookup(PageAllocator.class).orElseThrow();
            this.edu = dev;
            assertEquals("dma_set_mask_and_coherent(DMA_BIT_MASK(64))", 0, dma.setMaskAndCoherent(edu, -1L));
        }

        Optional<String> opsName() {
            return dma.dmaOps(edu).map(o -> o.name());
        }

        long page() {
            long phys = Page.pfnPhys(buddy.allocPages(Gfp.GFP_KERNEL, 0));
            assertTrue("a page above 4 GiB: " + Long.toHexString(phys), phys >= FOUR_GIB);
            return phys;
        }
    }
}
