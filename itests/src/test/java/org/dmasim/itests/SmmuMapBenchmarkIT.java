package org.dmasim.itests;

import static org.dmasim.itests.GogoSessions.run;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;

import java.util.List;
import java.util.Map;
import javax.inject.Inject;
import org.apache.felix.service.command.CommandProcessor;
import org.apache.felix.service.command.CommandSession;
import org.dmasim.api.device.DmaDevice;
import org.dmasim.api.dma.DmaApi;
import org.dmasim.api.iommu.Iommu;
import org.dmasim.api.iommu.IommuCounters;
import org.dmasim.api.iommu.IommuDomainInfo;
import org.dmasim.api.platform.Platform.State;
import org.dmasim.api.platform.PlatformConfig;
import org.junit.Test;
import org.junit.runner.RunWith;
import org.ops4j.pax.exam.junit.PaxExam;
import org.ops4j.pax.exam.spi.reactors.ExamReactorStrategy;
import org.ops4j.pax.exam.spi.reactors.PerClass;

/**
 * {@code dma:dma_map_benchmark} on a translated device: the edu device behind the SMMUv3 of
 * {@code qemu-virt-arm64-smmuv3}, whose maps and unmaps go through dma-iommu. The tool prints its
 * lines as on dma-direct; every map took an IOVA and every (strict) unmap invalidated it, and
 * nothing is left mapped.
 */
@RunWith(PaxExam.class)
@ExamReactorStrategy(PerClass.class)
public class SmmuMapBenchmarkIT extends DmasimTestSupport {
    private static final String BOARD = "mbsmmu";
    private static final String EDU = "0000:00:02.0";
    private static final String LATENCY = "average (un)?map latency\\(us\\):\\d+\\.\\d standard deviation:\\d+\\.\\d";

    @Inject
    CommandProcessor processor;

    @Test
    public void runsThroughDmaIommuAndLeavesNothingMapped() throws Exception {
        createPlatform(BOARD, Map.of(PlatformConfig.PROFILE, "qemu-virt-arm64-smmuv3"));
        DmaApi dma = withPlatform(awaitState(BOARD, State.BOOTED), p -> p.lookup(DmaApi.class).orElseThrow());
        DmaDevice edu = dma.device(EDU).orElseThrow();
        assertEquals("iommu", dma.dmaOps(edu).orElseThrow().name());
        Iommu iommu = context.getService(service(Iommu.class, BOARD));
        IommuCounters before = iommu.counters();

        try (CommandSession s = GogoSessions.open(processor)) {
            List<String> out = run(s, "dma:dma_map_benchmark -p " + BOARD + " -s 1 -t 2 -d 0 -g 4 -b 64 " + EDU)
                .lines().toList();
            assertEquals(out.toString(), 3, out.size());
            assertEquals("dma mapping benchmark: threads:2 seconds:1 node:-1 dir:BIDIRECTIONAL granule: 4", out.get(0));
            assertTrue(out.get(1), out.get(1).matches(LATENCY) && out.get(1).startsWith("average map"));
            assertTrue(out.get(2), out.get(2).matches(LATENCY) && out.get(2).startsWith("average unmap"));
        }

        IommuCounters after = iommu.counters();
        long invalidations = after.tlbiVa() - before.tlbiVa();
        assertTrue("strict unmaps invalidated their IOVAs: " + after, invalidations > 0);
        assertTrue("each invalidation was synced: " + after, after.syncs() - before.syncs() >= 1);
        assertEquals("no fault: " + iommu.faultLog(), before.faults(), after.faults());
        assertEquals("the tool's default domain holds nothing", List.of(0L),
            iommu.domains().stream().map(IommuDomainInfo::mappings).toList());
        assertTrue("nothing left mapped", dma.mappings().isEmpty());
        assertEquals("still translated", "iommu", dma.dmaOps(edu).orElseThrow().name());
    }
}
