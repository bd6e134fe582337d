package org.dmasim.itests;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertTrue;
import static org.junit.Assert.fail;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import javax.inject.Inject;
import org.apache.felix.service.command.CommandProcessor;
import org.apache.felix.service.command.CommandSession;
import org.apache.felix.service.command.Converter;
import org.dmasim.api.platform.Platform.State;
import org.dmasim.api.platform.PlatformConfig;
import org.dmasim.shell.format.CommandHelp;
import org.dmasim.shell.format.ShellErrors;
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
            assertEquals("dma_set_mask(dma-test-nc, 30) = -5", run(s, "dma:dma_set_mask dma-test-nc 30"));
            assertEquals("dma_get_required_mask(dma-test-nc) = 0x1ffffffff",
                run(s, "dma:dma_get_required_mask -p board dma-test-nc"));
            String b = run(s, "b = dma:dma_alloc_coherent dma-test-nc 20K GFP_KERNEL");
            assertTrue(b, b.startsWith("dma_alloc_coherent(dma-test-nc, 20K, GFP_KERNEL) = cpu 0xffff")
                && b.contains("dma 0xfc180000") && b.contains("default CMA reserved") && b.contains("MT_NORMAL_NC"));
            assertTrue(run(s, "dma:cpu_write ($b cpu) beef").matches("cpu_write\\(0xffff[0-9a-f]{12}, beef\\) = 2"));
            assertTrue(run(s, "dma:cpu_read ($b cpu) 3").endsWith(", 3) = be ef 00"));
            try {
                run(s, "dma:dma_free_coherent dma-test-nc 4K ($b cpu) ($b dma)");
                fail("a free with the wrong size must be refused");
            } catch (IllegalArgumentException e) {
                // Debian's kernel has no DMA-API debugging: Linux would notice nothing, dmasim refuses.
                assertTrue(e.getMessage(), e.getMessage().startsWith("platform dma-test-nc: dma_free_coherent(0x1000, ")
                    && e.getMessage().endsWith(": 0xfc180000 was mapped with 20480 bytes, not 4096: refused, nothing"
                        + " changed (without DMA-API debugging Linux does not notice; it would unmap 4096 bytes)"));
            }
            assertTrue(run(s, "dma:dma_free_coherent $b").matches(
                "dma_free_coherent\\(dma-test-nc, 0x5000, 0xffff[0-9a-f]{12}, 0xfc180000\\)"));

            String pages = run(s, "p = mm:alloc_pages GFP_KERNEL,__GFP_ZERO 2");
            assertTrue(pages, pages.startsWith("alloc_pages(GFP_KERNEL,__GFP_ZERO, 2) = pfn 0x") && pages.contains("order 2"));
            assertTrue(run(s, "mm:__free_pages $p").startsWith("__free_pages(pfn 0x"));
            assertTrue(run(s, "mm:meminfo").startsWith("MemTotal:"));

            String k = run(s, "k = mm:kmalloc 100 GFP_KERNEL");
            assertTrue(k, k.matches("kmalloc\\(100, GFP_KERNEL\\) = 0xffff[0-9a-f]{12} \\(phys 0x[0-9a-f]+,"
                + " kmalloc-128, ksize 0x80\\)"));
            assertTrue(run(s, "mm:ksize ($k addr)").matches("ksize\\(0xffff[0-9a-f]{12}\\) = 0x80"));
            assertTrue(run(s, "mm:slabinfo").contains("\nkmalloc-128           32     32    128   32    1 :"));
            run(s, "dma:cpu_write ($k addr) 01");
            String lines = run(s, "dma:cpu_cache ($k addr) 64");
            assertTrue(lines, lines.startsWith("CPU data cache      64-byte lines, write-back, eviction none\n")
                && lines.matches("(?s).*\\n0xffff[0-9a-f]{12}  0x[0-9a-f]+  dirty$"));
            assertTrue(run(s, "mm:kfree $k").matches("kfree\\(0xffff[0-9a-f]{12}\\)"));
            try {
                run(s, "mm:kfree $k");
                fail("a double free must be refused");
            } catch (IllegalArgumentException e) {
                assertTrue(e.getMessage(), e.getMessage().contains("double free of a kmalloc-128 object"));
            }

            String cma = run(s, "c = cma:cma_alloc reserved 16 4");
            assertTrue(cma, cma.startsWith("cma_alloc(reserved, 16, 4) = pfn 0xfc180"));
            assertTrue(run(s, "cma:cma_release $c").matches("cma_release\\(reserved, pfn 0xfc1[0-9a-f]+, 16\\) = true"));
            assertTrue(run(s, "cma:cma_debugfs").contains("/sys/kernel/debug/cma/reserved/used: 384"));
            String vmstat = run(s, "mm:vmstat");
            assertTrue(vmstat, vmstat.contains("pgmigrate_success 0\n") && vmstat.contains("cma_alloc_success "));

            run(s, "dmapool:dma_pool_create o16 dma-test-coh 16 16 0");
            run(s, "x = dmapool:dma_pool_alloc o16 GFP_KERNEL");
            assertEquals("poolinfo - 0.1\no16                 1  256   16  1", run(s, "dmapool:pools dma-test-coh"));
            run(s, "dmapool:dma_pool_free $x");
            assertEquals("dmapool_backend(--set 6.4) = 6.4 (available: 6.1, 6.4)", run(s, "dmapool:dmapool_backend --set 6.4"));
            run(s, "dmapool:dma_pool_destroy o16");
            assertTrue(run(s, "dma:dma_pools").contains("pool_size_dma: 524288"));
        }
    }

    /** What no message a user reads may contain: Java class names, Gogo's coercion text, "internal error". */
    private static final Pattern NOT_FOR_USERS = Pattern.compile(
        "\\b(java|javax|org|sun|jdk)\\.[a-z]+\\.|[A-Za-z]+(Exception|Error)\\b|Cannot coerce|internal error|DTO\\b");

    /**
     * Every error path of every dmasim command, called the wrong ways a user does (no
     * arguments, words where numbers go, one argument too many): each failure reads as a
     * message for people, and a wrong argument list as the command's usage.
     */
    @Test
    public void everyCommandsErrors_readAsMessagesForPeople() throws Exception {
        org.osgi.service.cm.Configuration audit = createPlatform("audit",
            Map.of(PlatformConfig.PROFILE, "qemu-virt-arm64-testdevs"));
        awaitState("audit", State.BOOTED);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        PrintStream ps = new PrintStream(out, true, StandardCharsets.UTF_8);
        int failures = 0;
        try (CommandSession s = processor.createSession(new ByteArrayInputStream(new byte[0]), ps, ps)) {
            List<CommandHelp.Command> commands = CommandHelp.commands(s).stream()
                .filter(c -> c.dmasim() && !c.hidden()).toList();
            assertTrue("dmasim's commands are listed: " + commands, commands.size() > 40);
            for (CommandHelp.Command c : commands) {
                int n = c.signatures().stream().mapToInt(sig -> sig.positional().size()).max().orElse(0);
                List<String> calls = new ArrayList<>();
                calls.add(c.qualified() + " -p audit" + " nonsense".repeat(n + 1));
                calls.add(c.qualified() + " -p audit" + " 0xZZ".repeat(Math.max(n, 1)));
                if (n > 0) {
                    calls.add(c.qualified() + " -p audit");
                }
                for (String call : calls) {
                    try {
                        s.execute(call);
                    } catch (Exception e) {
                        failures++;
                        String message = ShellErrors.message(e, s);
                        assertFalse(call + " -> " + message, message.isBlank());
                        assertFalse(call + " -> " + message, NOT_FOR_USERS.matcher(message).find());
                    }
                }
            }
            assertTrue("most wrong calls fail: " + failures, failures > commands.size());
            try {
                s.execute("dma:dma_alloc_coherent dma-test-nc");
                fail("too few arguments must fail");
            } catch (Exception e) {
                assertEquals("usage: dma:dma_alloc_coherent DEVICE SIZE GFP [ATTRS] [-p PLATFORM]",
                    ShellErrors.message(e, s));
            }
        } finally {
            audit.delete(); // the other test names no platform: leave only its own
            for (int i = 0; i < 500 && platformReference("audit") != null; i++) {
                Thread.sleep(10);
            }
        }
    }

    private static String run(CommandSession s, String line) throws Exception {
        Object result = s.execute(line);
        return result == null ? "" : s.format(result, Converter.INSPECT).toString();
    }
}
