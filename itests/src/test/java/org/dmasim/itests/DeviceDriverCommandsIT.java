package org.dmasim.itests;

import static org.dmasim.itests.GogoSessions.failure;
import static org.dmasim.itests.GogoSessions.run;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;

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
 * Scopes {@code nic} and {@code blk} through Gogo in Felix on the runtime oracle's board: the NIC
 * driver without the RX sync reads stale lines on the non-coherent device and the correct one does
 * not; the block driver's descriptors and the device's refusal of a driver that ignores the
 * limits; usage lines for wrong arguments and named refusals for bad input.
 */
@RunWith(PaxExam.class)
@ExamReactorStrategy(PerClass.class)
public class DeviceDriverCommandsIT extends DmasimTestSupport {
    private static final String AA = "aa aa aa aa aa aa aa aa aa aa aa aa aa aa aa aa ... (700 bytes)";
    private static final String CC = "cc cc cc cc cc cc cc cc cc cc cc cc cc cc cc cc ... (700 bytes)";

    @Inject
    CommandProcessor processor;

    @Test
    public void aMissingRxSyncReadsStaleLinesOnlyOnTheNonCoherentDevice() throws Exception {
        createPlatform("nics", Map.of(PlatformConfig.PROFILE, "qemu-virt-arm64-testdevs"));
        awaitState("nics", State.BOOTED);
        try (CommandSession s = session()) {
            run(s, "nic:probe -p nics --ring 2 --bug missing_rx_sync_for_cpu dma-test-nc");
            assertEquals(List.of("RX slot 0: read " + AA + ": STALE, the device wrote " + CC + "; 700 bytes differ, 11"
                + " cache lines read stale", "poll(dma-test-nc, 64) = 1"), thirdFrame(s, "dma-test-nc"));
            assertTrue(run(s, "nic:stats -p nics dma-test-nc").endsWith("\n     rx_stale_cache_lines: 11"));
            assertEquals("remove(dma-test-nc)", run(s, "nic:remove -p nics dma-test-nc"));

            run(s, "nic:probe -p nics --ring 2 dma-test-nc");
            assertEquals(List.of("RX slot 0: read " + CC + ": as the device wrote", "poll(dma-test-nc, 64) = 1"),
                thirdFrame(s, "dma-test-nc"));
            assertEquals("wire: 01 02 03 (3 bytes), as queued\nxmit(dma-test-nc, 010203) = NETDEV_TX_OK",
                run(s, "nic:xmit -p nics dma-test-nc 010203"));
            run(s, "nic:remove -p nics dma-test-nc");

            run(s, "nic:probe -p nics --ring 2 --bug missing_rx_sync_for_cpu dma-test-coh");
            assertEquals(List.of("RX slot 0: read " + CC + ": as the device wrote", "poll(dma-test-coh, 64) = 1"),
                thirdFrame(s, "dma-test-coh"));
            run(s, "nic:remove -p nics dma-test-coh");
        }
    }

    /** Two frames received and polled, then a third into the first buffer: its poll's lines. */
    private static List<String> thirdFrame(CommandSession s, String dev) throws Exception {
        run(s, "nic:receive -p nics " + dev + " aa 700");
        run(s, "nic:receive -p nics " + dev + " bb 700");
        assertTrue(run(s, "nic:poll -p nics " + dev).endsWith("poll(" + dev + ", 64) = 2"));
        assertTrue(run(s, "nic:receive -p nics " + dev + " cc 700").startsWith("receive(" + dev + ", cc, 700) = RX slot 0: 700 bytes written at dma 0x"));
        return run(s, "nic:poll -p nics " + dev).lines().toList();
    }

    @Test
    public void theBlockDriverCutsAtTheBoundaryAndTheDeviceRefusesADriverThatDoesNot() throws Exception {
        createPlatform("blks", Map.of(PlatformConfig.PROFILE, "qemu-virt-arm64-testdevs"));
        awaitState("blks", State.BOOTED);
        try (CommandSession s = session()) {
            run(s, "blk:probe -p blks dma-test-nc");
            List<String> w = run(s, "blk:write -p blks --offset 0x800 dma-test-nc 64 5a 64K").lines().toList();
            assertTrue(w.get(1), w.get(1).matches("descriptors: 2: \\[0x[0-9a-f]+800\\+0xf800] \\[0x[0-9a-f]+0000\\+0x800]"));
            assertEquals(List.of("device: OK, 65536 bytes", "write(dma-test-nc, 64, 5a, 64K) = 0"), w.subList(2, 4));
            assertTrue(run(s, "blk:read -p blks dma-test-nc 64 1K").contains(
                "\ncpu: 5a 5a 5a 5a 5a 5a 5a 5a 5a 5a 5a 5a 5a 5a 5a 5a ... (1024 bytes), as on the medium\n"));
            run(s, "blk:remove -p blks dma-test-nc");

            run(s, "blk:probe -p blks --bug ignores_segment_limits dma-test-nc");
            String refused = run(s, "blk:write -p blks --offset 0x800 dma-test-nc 64 33 64K");
            assertTrue(refused, refused.contains("crosses the engine's 0x10000-byte segment boundary at 0x"));
            assertTrue(refused, refused.endsWith("\nwrite(dma-test-nc, 64, 33, 64K) = -5"));
            assertTrue("nothing reached the new device's medium",
                run(s, "blk:read -p blks dma-test-nc 64 1K").contains("\ncpu: 00 00 00"));
            assertTrue(run(s, "blk:stats -p blks dma-test-nc").endsWith("\n     dma_refused_descriptors: 1"));
            run(s, "blk:remove -p blks dma-test-nc");
        }
    }

    @Test
    public void wrongArgumentsPrintUsageAndBadInputIsNamed() throws Exception {
        createPlatform("devbad", Map.of(PlatformConfig.PROFILE, "qemu-virt-arm64-testdevs"));
        awaitState("devbad", State.BOOTED);
        try (CommandSession s = session()) {
            assertEquals("usage: nic:xmit DEVICE DATA [LEN] [-p PLATFORM]", failure(s, "nic:xmit -p devbad dma-test-nc"));
            assertEquals("usage: blk:read DEVICE SECTOR LEN [-p PLATFORM] [--offset BYTES]",
                failure(s, "blk:read -p devbad dma-test-nc 0"));
            assertEquals("nic: no driver bound to 'dma-test-nc' on platform 'devbad' (bind one with nic:probe"
                + " dma-test-nc)", failure(s, "nic:poll -p devbad dma-test-nc"));
            assertEquals("bug: 'sloppy' (expected: missing_rx_sync_for_cpu, ignores_segment_limits)",
                failure(s, "nic:probe -p devbad --bug sloppy dma-test-nc"));
            assertEquals("ring size 6 (expected: a power of two, 2..4096)",
                failure(s, "nic:probe -p devbad --ring 6 dma-test-nc"));
            assertTrue(failure(s, "blk:probe -p devbad nosuch").startsWith("platform 'devbad': no device 'nosuch'"));
            run(s, "nic:probe -p devbad dma-test-nc");
            assertEquals("data: 'hello' (expected: hex bytes, two digits each, such as aa or 0800451c)",
                failure(s, "nic:xmit -p devbad dma-test-nc hello"));
            assertTrue(failure(s, "blk:probe -p devbad dma-test-nc").endsWith("already has a driver bound (-EBUSY);"
                + " remove it first"));
            assertTrue(run(s, "nic:stats -p devbad dma-test-nc").contains("\n     tx_packets: 0\n"));
            run(s, "nic:remove -p devbad dma-test-nc");
            assertEquals("nic: no driver bound to 'dma-test-nc' on platform 'devbad' (bind one with nic:probe"
                + " dma-test-nc)", failure(s, "nic:remove -p devbad dma-test-nc"));
        }
    }

    private CommandSession session() {
        return GogoSessions.open(processor);
    }
}
