package org.dmasim.itests;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;
import static org.junit.Assert.fail;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import javax.inject.Inject;
import org.apache.felix.service.command.CommandProcessor;
import org.apache.felix.service.command.CommandSession;
import org.apache.felix.service.command.Converter;
import org.dmasim.api.platform.Platform.State;
import org.dmasim.api.platform.PlatformConfig;
import org.junit.Test;
import org.junit.runner.RunWith;
import org.ops4j.pax.exam.junit.PaxExam;
import org.ops4j.pax.exam.spi.reactors.ExamReactorStrategy;
import org.ops4j.pax.exam.spi.reactors.PerClass;

/**
 * The run-time Gogo scopes (mm, cma, dma, dmapool) on a booted platform, in one session as a
 * script runs them: results printed through the converter, objects handed from an allocation
 * command to the matching free, misuse reported with the kernel's message.
 */
@RunWith(PaxExam.class)
@ExamReactorStrategy(PerClass.class)
public class RuntimeCommandsIT extends DmasimTestSupport {
    @Inject
    CommandProcessor processor;

    @Test
    public void scriptDrivesTheWholeCoherentApi() throws Exception {
        createPlatform("board", Map.of(PlatformConfig.PROFILE, "qemu-virt-arm64-testdevs"));
        awaitState("board", State.BOOTED);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        PrintStream ps = new PrintStream(out, true, StandardCharsets.UTF_8);
        try (CommandSession s = processor.createSession(new ByteArrayInputStream(new byte[0]), ps, ps)) {
            assertEquals("-5", run(s, "dma:dma_set_mask dma-test-nc 30"));
            assertEquals("0x1ffffffff", run(s, "dma:dma_get_required_mask -p board dma-test-nc"));
            String b = run(s, "b = dma:dma_alloc_coherent dma-test-nc 20K GFP_KERNEL");
            assertTrue(b, b.contains("dma 0xfc180000") && b.contains("default CMA reserved") && b.contains("MT_NORMAL_NC"));
            assertEquals("wrote 2 bytes", run(s, "dma:cpu_write ($b cpu) beef"));
            assertEquals("be ef 00", run(s, "dma:cpu_read ($b cpu) 3"));
            try {
                run(s, "dma:dma_free_coherent dma-test-nc 4K ($b cpu) ($b dma)");
                fail("a free with the wrong size must be refused");
            } catch (IllegalArgumentException e) {
                assertTrue(e.getMessage(), e.getMessage().startsWith(
                    "DMA-API: platform dma-test-nc: device driver frees DMA memory with different size"));
            }
            assertEquals("dma-test-nc: freed 20480 bytes at dma 0xfc180000", run(s, "dma:dma_free_coherent $b"));

            String pages = run(s, "p = mm:alloc_pages GFP_KERNEL,__GFP_ZERO 2");
            assertTrue(pages, pages.startsWith("pfn 0x") && pages.contains("order 2"));
            assertTrue(run(s, "mm:__free_pages $p").startsWith("freed pfn"));
            assertTrue(run(s, "mm:meminfo").startsWith("MemTotal:"));

            String cma = run(s, "c = cma:cma_alloc reserved 16 4");
            assertTrue(cma, cma.startsWith("cma reserved: pfn 0xfc180"));
            assertEquals("true", run(s, "cma:cma_release $c"));
            assertTrue(run(s, "cma:cma_debugfs").contains("/sys/kernel/debug/cma/reserved/used: 384"));
            String vmstat = run(s, "mm:vmstat");
            assertTrue(vmstat, vmstat.contains("pgmigrate_success 0\n") && vmstat.contains("cma_alloc_success "));

            run(s, "dmapool:dma_pool_create o16 dma-test-coh 16 16 0");
            run(s, "x = dmapool:dma_pool_alloc o16 GFP_KERNEL");
            assertEquals("poolinfo - 0.1\no16                 1  256   16  1", run(s, "dmapool:pools dma-test-coh"));
            run(s, "dmapool:dma_pool_free $x");
            assertTrue(run(s, "dmapool:dmapool_backend --set 6.4").startsWith("dma_pool backend 6.4"));
            run(s, "dmapool:dma_pool_destroy o16");
            assertTrue(run(s, "dma:dma_pools").contains("pool_size_dma: 524288"));
        }
    }

    private static String run(CommandSession s, String line) throws Exception {
        Object result = s.execute(line);
        return result == null ? "" : s.format(result, Converter.INSPECT).toString();
    }
}
