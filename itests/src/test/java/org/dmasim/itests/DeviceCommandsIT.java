package org.dmasim.itests;

import static org.dmasim.itests.GogoSessions.run;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;

import java.util.Map;
import javax.inject.Inject;
import org.apache.felix.service.command.CommandProcessor;
import org.apache.felix.service.command.CommandSession;
import org.dmasim.api.platform.Platform.State;
import org.dmasim.api.platform.PlatformConfig;
import org.junit.Test;
import org.junit.runner.RunWith;
import org.ops4j.pax.exam.junit.PaxExam;
import org.ops4j.pax.exam.spi.reactors.ExamReactorStrategy;
import org.ops4j.pax.exam.spi.reactors.PerClass;

/**
 * The device views of scope dma ({@code devices}, {@code device}, {@code dma_opt_mapping_size})
 * and {@code dmapool:dma_pool_destroy} of a busy pool, through Gogo in Felix on the runtime
 * oracle's board.
 */
@RunWith(PaxExam.class)
@ExamReactorStrategy(PerClass.class)
public class DeviceCommandsIT extends DmasimTestSupport {
    @Inject
    CommandProcessor processor;

    @Test
    public void deviceViewsShowWhatTheKernelWouldAnswer() throws Exception {
        createPlatform("devs", Map.of(PlatformConfig.PROFILE, "qemu-virt-arm64-testdevs"));
        awaitState("devs", State.BOOTED);
        try (CommandSession s = session()) {
            String table = run(s, "dma:devices -p devs");
            assertTrue(table, table.startsWith("DEVICE "));
            assertTrue(table, table.lines().anyMatch(l -> l.startsWith("dma-test-nc ") && l.contains(" non-coherent ")
                && l.endsWith(" 0x40000")));

            assertEquals("dma_set_mask(dma-test-nc, 64) = 0", run(s, "dma:dma_set_mask -p devs dma-test-nc 64"));
            String nc = run(s, "dma:device -p devs dma-test-nc");
            assertTrue(nc, nc.contains("\ndma_mask           0xffffffffffffffff\n"));
            assertTrue(nc, nc.contains("\ncoherent_dma_mask  0xffffffff\n"));
            assertTrue(nc, nc.contains("\ncma_area           reserved (default) base 0xfc000000 size 0x4000000\n"));
            assertEquals("dma_opt_mapping_size(dma-test-nc) = SIZE_MAX", run(s, "dma:dma_opt_mapping_size -p devs dma-test-nc"));
            assertEquals("dma_opt_mapping_size(dma-test-coh) = 0x40000", run(s, "dma:dma_opt_mapping_size -p devs dma-test-coh"));

            assertEquals("device_create(0000:00:02.0) = 0000:00:02.0 (coherent)", run(s, "dma:device_create -p devs --pci 0000:00:02.0"));
            assertTrue(run(s, "dma:device -p devs 0000:00:02.0").contains("\nhost bridge        /pcie@10000000\n"));
        }
    }

    @Test
    public void destroyingABusyPoolPrintsTheKernelsLinesWithBothBackends() throws Exception {
        createPlatform("pools", Map.of(PlatformConfig.PROFILE, "qemu-virt-arm64-testdevs"));
        awaitState("pools", State.BOOTED);
        try (CommandSession s = session()) {
            run(s, "dmapool:dma_pool_create -p pools p61 dma-test-nc 64 64 0");
            String block = run(s, "x = dmapool:dma_pool_alloc -p pools p61 GFP_KERNEL");
            String vaddr = block.substring(block.indexOf("vaddr ") + 6, block.indexOf(" dma"));
            String page = String.format("0x%016x", Long.parseUnsignedLong(vaddr.substring(2), 16) & ~0xfffL);
            assertEquals("platform dma-test-nc: dma_pool_destroy p61, " + page + " busy\ndma_pool_destroy(p61)",
                run(s, "dmapool:dma_pool_destroy -p pools p61"));

            run(s, "dmapool:dmapool_backend -p pools --set 6.4");
            run(s, "dmapool:dma_pool_create -p pools p64 dma-test-nc 64 64 0");
            run(s, "y = dmapool:dma_pool_alloc -p pools p64 GFP_KERNEL");
            assertEquals("platform dma-test-nc: dma_pool_destroy p64 busy\ndma_pool_destroy(p64)",
                run(s, "dmapool:dma_pool_destroy -p pools p64"));

            run(s, "dmapool:dma_pool_create -p pools idle dma-test-nc 64 64 0");
            assertEquals("dma_pool_destroy(idle)", run(s, "dmapool:dma_pool_destroy -p pools idle"));
        }
    }

    private CommandSession session() {
        return GogoSessions.open(processor);
    }

}
