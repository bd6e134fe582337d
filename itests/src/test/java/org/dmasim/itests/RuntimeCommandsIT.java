package org.dmasim.itests;

import static org.dmasim.itests.GogoSessions.run;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertTrue;
import static org.junit.Assert.fail;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import javax.inject.Inject;
import org.apache.felix.service.command.CommandProcessor;
import org.apache.felix.service.command.CommandSession;
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
        try (CommandSession s = session()) {
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

    /**
     * The streaming commands on the board with RAM above 4 GiB: a kmalloc buffer in the high bank
     * bounces through swiotlb for the 32-bit engine (the device reads the CPU's bytes from the
     * slot, the pool view counts the copy), its device write comes back on sync, and misuse gets
     * the kernel's reaction: a second unmap, DMA_NONE, size 0, wrong argument lists.
     */
    @Test
    public void streamingCommands_bounceThroughSwiotlb_andRefuseMisuse() throws Exception {
        org.osgi.service.cm.Configuration split = createPlatform("split",
            Map.of(PlatformConfig.PROFILE, "arm64-split-4g"));
        awaitState("split", State.BOOTED);
        String dev = "9200000.dma-controller";
        try (CommandSession s = session()) {
            assertTrue(run(s, "k = mm:kmalloc -p split 256 GFP_KERNEL").contains("(phys 0x400000000, kmalloc-256"));
            run(s, "dma:cpu_write -p split ($k addr) 0102030405");
            assertEquals("dma_map_single(" + dev + ", 0xffff0003c0000000, 256, DMA_BIDIRECTIONAL) = dma 0xb4000000"
                + " (phys 0x400000000, bounced: swiotlb slot 0)",
                run(s, "m = dma:dma_map_single -p split " + dev + " ($k addr) 256 DMA_BIDIRECTIONAL"));
            assertEquals("device_read(" + dev + ", 0xb4000000, 5) = 01 02 03 04 05",
                run(s, "dma:device_read -p split " + dev + " 0xb4000000 5"));
            assertEquals("dma_mapping_error(" + dev + ", 0xb4000000) = 0", run(s, "dma:dma_mapping_error $m"));
            assertEquals("dma_need_sync(" + dev + ", 0xb4000000) = true", run(s, "dma:dma_need_sync $m"));
            run(s, "dma:device_write $m aabb");
            assertEquals("dma_sync_single_for_cpu(" + dev + ", 0xb4000000, 0x100, DMA_BIDIRECTIONAL)",
                run(s, "dma:dma_sync_single_for_cpu $m"));
            assertTrue(run(s, "dma:cpu_read -p split ($k addr) 4").endsWith(" = aa bb 03 04"));
            String pools = run(s, "swiotlb:swiotlb_pools -p split");
            assertTrue(pools, pools.startsWith("swiotlb (swiotlb#") && pools.contains(
                "[mem 0x00000000b4000000-0x00000000b7ffffff] 32768 slots (64 MiB), 4 areas, 1 used\n")
                && pools.contains("\n0     0           8192   1     1\n")
                && pools.matches("(?s).*\\n" + Pattern.quote(dev) + " +1 +0 +1 +1 +0x100 +1 +0x100$"));
            assertEquals("/sys/kernel/debug/swiotlb/io_tlb_nslabs: 32768\n/sys/kernel/debug/swiotlb/io_tlb_used: 1",
                run(s, "swiotlb:swiotlb_debugfs -p split"));
            assertTrue(run(s, "dma:mappings -p split").endsWith(
                "\n" + dev + "  dma_map_single  0xb4000000  0x100  DMA_BIDIRECTIONAL  0x400000000  swiotlb slot 0"));
            assertEquals("dma_unmap_single(" + dev + ", 0xb4000000, 0x100, DMA_BIDIRECTIONAL)",
                run(s, "dma:dma_unmap_single $m"));
            // Without DMA-API debugging the kernel would not notice; dmasim refuses and says what Linux would do.
            assertTrue(GogoSessions.failure(s, "dma:dma_unmap_single $m").startsWith("platform " + dev + ": dma_unmap_single_attrs("
                + "0xb4000000, 0x100, DMA_BIDIRECTIONAL): nothing of this device is mapped at 0xb4000000 (never mapped,"
                + " or unmapped already): refused, nothing changed"));
            assertTrue(GogoSessions.failure(s, "dma:dma_map_single -p split " + dev + " ($k addr) 16 DMA_NONE").contains(
                "kernel BUG at kernel/dma/mapping.c (BUG_ON(!valid_dma_direction(dir))); nothing was mapped"));
            assertTrue(GogoSessions.failure(s, "dma:dma_map_single -p split " + dev + " ($k addr) 0 DMA_TO_DEVICE").contains(
                "kernel BUG at kernel/dma/swiotlb.c (BUG_ON(!nslots)); nothing was mapped"));
            assertEquals("/sys/kernel/debug/swiotlb/io_tlb_nslabs: 32768\n/sys/kernel/debug/swiotlb/io_tlb_used: 0",
                run(s, "swiotlb:swiotlb_debugfs -p split"));
            assertEquals("DEVICE  FUNCTION  DMA_HANDLE  SIZE  DIR  PHYS  BOUNCE", run(s, "dma:mappings -p split"));
            run(s, "a = $k addr");
            String sg = run(s, "sg = dma:dma_map_sg -p split " + dev + " DMA_TO_DEVICE \"${a}:128,${a}:64\"");
            assertTrue(sg, sg.matches("(?s)dma_map_sg\\(" + Pattern.quote(dev) + ", DMA_TO_DEVICE, .*\\) = 2\n"
                + "sg\\[0\\] phys 0x400000000 len 0x80 -> dma 0x[0-9a-f]+ len 0x80 \\(bounced: swiotlb slot \\d+\\)\n"
                + "sg\\[1\\] phys 0x400000000 len 0x40 -> dma 0x[0-9a-f]+ len 0x40 \\(bounced: swiotlb slot \\d+\\)"));
            assertTrue(run(s, "dma:dma_sync_sg_for_device $sg").startsWith("dma_sync_sg_for_device(" + dev + ", sg 0x"));
            assertTrue(run(s, "dma:dma_unmap_sg $sg").matches("dma_unmap_sg\\(" + Pattern.quote(dev)
                + ", sg 0x[0-9a-f]+, 2, DMA_TO_DEVICE\\)"));
            assertTrue(GogoSessions.failure(s, "dma:dma_unmap_sg $sg").startsWith("platform " + dev + ": dma_unmap_sg_attrs(sg, 2,"
                + " DMA_TO_DEVICE): nothing of this device is mapped at"));
            assertEquals("/sys/kernel/debug/swiotlb/io_tlb_nslabs: 32768\n/sys/kernel/debug/swiotlb/io_tlb_used: 0",
                run(s, "swiotlb:swiotlb_debugfs -p split"));
            // The sgtable wrappers: 0 and sgt->nents; the unmap and syncs pass orig_nents.
            String sgt = run(s, "sgt = dma:dma_map_sgtable -p split " + dev + " DMA_BIDIRECTIONAL \"${a}:256,${a}:32\"");
            assertTrue(sgt, sgt.matches("(?s)dma_map_sgtable\\(" + Pattern.quote(dev) + ", DMA_BIDIRECTIONAL, .*\\) = 0"
                + " \\(sgt->nents = 2\\)\n"
                + "sg\\[0\\] phys 0x400000000 len 0x100 -> dma 0x[0-9a-f]+ len 0x100 \\(bounced: swiotlb slot \\d+\\)\n"
                + "sg\\[1\\] phys 0x400000000 len 0x20 -> dma 0x[0-9a-f]+ len 0x20 \\(bounced: swiotlb slot \\d+\\)"));
            assertEquals("/sys/kernel/debug/swiotlb/io_tlb_nslabs: 32768\n/sys/kernel/debug/swiotlb/io_tlb_used: 2",
                run(s, "swiotlb:swiotlb_debugfs -p split"));
            assertTrue(run(s, "dma:dma_sync_sgtable_for_cpu $sgt").startsWith("dma_sync_sgtable_for_cpu(" + dev + ", sgt 0x"));
            assertTrue(run(s, "dma:dma_sync_sgtable_for_device $sgt").startsWith("dma_sync_sgtable_for_device(" + dev
                + ", sgt 0x"));
            assertTrue(run(s, "dma:dma_unmap_sgtable $sgt").matches("dma_unmap_sgtable\\(" + Pattern.quote(dev)
                + ", sgt 0x[0-9a-f]+, DMA_BIDIRECTIONAL\\)"));
            assertTrue(GogoSessions.failure(s, "dma:dma_unmap_sgtable $sgt").startsWith("platform " + dev
                + ": dma_unmap_sg_attrs(sg, 2, DMA_BIDIRECTIONAL): nothing of this device is mapped at"));
            // More than swiotlb's largest mapping (256 KiB) cannot bounce: dma-direct's -EIO, nothing mapped.
            String failed = run(s, "dma:dma_map_sgtable -p split " + dev + " DMA_TO_DEVICE \"${a}:0x80000\"");
            assertTrue(failed, failed.matches("(?s).*dma_map_sgtable\\(" + Pattern.quote(dev) + ", DMA_TO_DEVICE, .*\\)"
                + " = -5\nsg\\[0\\] phys 0x400000000 len 0x80000"));
            assertEquals("/sys/kernel/debug/swiotlb/io_tlb_nslabs: 32768\n/sys/kernel/debug/swiotlb/io_tlb_used: 0",
                run(s, "swiotlb:swiotlb_debugfs -p split"));
            assertEquals("usage: dma:dma_map_single DEVICE ADDR SIZE DIR [ATTRS] [-p PLATFORM]",
                GogoSessions.failure(s, "dma:dma_map_single " + dev));
            assertEquals("usage: dma:dma_unmap_single MAPPING [ATTRS]\n"
                + "usage: dma:dma_unmap_single DEVICE DMA_ADDR SIZE DIR [-p PLATFORM]", GogoSessions.failure(s, "dma:dma_unmap_single"));
            assertEquals("usage: swiotlb:swiotlb_pools [-p PLATFORM]", GogoSessions.failure(s, "swiotlb:swiotlb_pools split"));
            assertTrue(GogoSessions.failure(s, "dma:dma_unmap_sg $nothing").startsWith("no list given"));
        } finally {
            split.delete(); // the first test names no platform: leave only its own
            for (int i = 0; i < 500 && platformReference("split") != null; i++) {
                Thread.sleep(10);
            }
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
        int failures = 0;
        try (CommandSession s = session()) {
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

    private CommandSession session() {
        return GogoSessions.open(processor);
    }

}
