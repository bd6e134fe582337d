package org.dmasim.itests;

import static org.dmasim.itests.GogoSessions.run;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;
import static org.junit.Assert.fail;

import java.util.List;
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
 * {@code dma:dma_map_benchmark} in Felix on the runtime oracle's board: the selftest tool's
 * output lines, the mask the ioctl sets for the run and gives back, and the tool's and the
 * module's refusals with their messages.
 */
@RunWith(PaxExam.class)
@ExamReactorStrategy(PerClass.class)
public class MapBenchmarkIT extends DmasimTestSupport {
    private static final String LATENCY = "average (un)?map latency\\(us\\):\\d+\\.\\d standard deviation:\\d+\\.\\d";

    @Inject
    CommandProcessor processor;

    @Test
    public void printsTheToolsLinesAndGivesTheDeviceItsMaskBack() throws Exception {
        createPlatform("mb", Map.of(PlatformConfig.PROFILE, "qemu-virt-arm64-testdevs"));
        awaitState("mb", State.BOOTED);
        try (CommandSession s = session()) {
            run(s, "dma:dma_set_mask -p mb dma-test-nc 64");
            List<String> out = run(s, "dma:dma_map_benchmark -p mb -s 1 -t 2 -d 1 -g 16 -b 64 dma-test-nc").lines().toList();
            assertEquals(out.toString(), 3, out.size());
            assertEquals("dma mapping benchmark: threads:2 seconds:1 node:-1 dir:TO_DEVICE granule: 16", out.get(0));
            assertTrue(out.get(1), out.get(1).matches(LATENCY) && out.get(1).startsWith("average map"));
            assertTrue(out.get(2), out.get(2).matches(LATENCY) && out.get(2).startsWith("average unmap"));
            assertTrue("the 64-bit mask the driver set is back",
                run(s, "dma:device -p mb dma-test-nc").contains("\ndma_mask           0xffffffffffffffff\n"));
        }
    }

    @Test
    public void thirtyTwoBitsBounceEveryMappingThroughSwiotlb() throws Exception {
        // the board's GFP_KERNEL pages lie above 4 GiB: with -b 32 (the tool's default) every
        // dma_map_single of the benchmark's buffer needs a bounce slot, as on the kernel
        createPlatform("mb32", Map.of(PlatformConfig.PROFILE, "qemu-virt-arm64-testdevs"));
        awaitState("mb32", State.BOOTED);
        try (CommandSession s = session()) {
            List<String> out = run(s, "dma:dma_map_benchmark -p mb32 -s 1 -d 1 dma-test-nc").lines().toList();
            assertEquals("dma mapping benchmark: threads:1 seconds:1 node:-1 dir:TO_DEVICE granule: 1", out.get(0));
            String row = run(s, "swiotlb:swiotlb_pools -p mb32").lines().filter(l -> l.startsWith("dma-test-nc "))
                .findFirst().orElseThrow();
            String[] f = row.trim().split("\\s+");
            long maps = Long.parseLong(f[1]);
            assertTrue(row, maps > 0);
            assertEquals(row, "0", f[2]);
            assertEquals(row + ": nothing left mapped", "0", f[3]);
            assertEquals(row + ": each TO_DEVICE map copied the buffer into its slot", maps, Long.parseLong(f[4]));
            assertEquals(row + ": 4 KiB each", maps * 4096, Long.decode(f[5]).longValue());
            assertEquals(row + ": TO_DEVICE copies nothing back", "0", f[6]);
        }
    }

    @Test
    public void refusalsNameTheRuleAsTheToolAndTheModuleDo() throws Exception {
        createPlatform("mbbad", Map.of(PlatformConfig.PROFILE, "qemu-virt-arm64-testdevs"));
        awaitState("mbbad", State.BOOTED);
        try (CommandSession s = session()) {
            assertEquals("dma_map_benchmark: invalid number of threads, must be in 1-1024",
                failure(s, "dma:dma_map_benchmark -p mbbad -t 0 dma-test-nc"));
            assertEquals("dma_map_benchmark: invalid granule size",
                failure(s, "dma:dma_map_benchmark -p mbbad -g abc dma-test-nc"));
            assertEquals("dma_map_benchmark: invalid numa node\nioctl: Invalid argument",
                failure(s, "dma:dma_map_benchmark -p mbbad -s 1 -n 1 dma-test-nc"));
            // arm64's ZONE_DMA covers 32 bits: a 24-bit mask is refused (-EIO), the ioctl says -EINVAL
            assertEquals("dma_map_benchmark: failed to set dma_mask on device dma-test-nc\nioctl: Invalid argument",
                failure(s, "dma:dma_map_benchmark -p mbbad -s 1 -b 24 dma-test-nc"));
            assertTrue(failure(s, "dma:dma_map_benchmark -p mbbad -s 1 nosuchdev")
                .startsWith("dma_map_benchmark: no device 'nosuchdev' (devices: ["));
            assertTrue("nothing changed: the mask is the firmware's",
                run(s, "dma:device -p mbbad dma-test-nc").contains("\ndma_mask           0xffffffff\n"));
        }
    }

    private CommandSession session() {
        return GogoSessions.open(processor);
    }

    private static String failure(CommandSession s, String line) {
        try {
            String out = run(s, line);
            fail(line + " should fail, printed: " + out);
            return out;
        } catch (Exception e) {
            return e.getMessage();
        }
    }
}
