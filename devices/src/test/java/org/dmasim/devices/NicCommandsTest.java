package org.dmasim.devices;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.dmasim.api.dma.DmaApi;
import org.dmasim.platform.oracle.BootedPlatform;
import org.dmasim.shell.format.ShellFormatter;
import org.junit.jupiter.api.Test;

/**
 * Scope {@code nic} on the runtime oracle's board: what a script sees of the driver's frames, the
 * stale lines a driver without the RX sync reads on a non-coherent device, the rings and the
 * counters, and the refusals of bad input.
 */
class NicCommandsTest {
    private final DeviceModelsComponent models = new DeviceModelsComponent();
    private final BootedPlatform board = Boards.boot("qemu-virt-arm64-testdevs");
    private final NicCommands nic = new NicCommands();

    NicCommandsTest() {
        nic.models = models;
        nic.platforms = List.of(board);
    }

    private static String text(Object dto) {
        return ShellFormatter.formatAny(dto).toString();
    }

    @Test
    void aDriverWithoutTheRxSyncReadsTheFirstFrameWhereTheThirdWasWritten() {
        assertEquals("probe(dma-test-nc) = ring-nic: 2 RX + 2 TX descriptors, 2048-byte RX buffers, 64-bit engine,"
            + " DMA mask 64 bits, bugs: missing_rx_sync_for_cpu",
            text(nic.probe("", "64", "", "", "", "2", "2048", "MISSING_RX_SYNC_FOR_CPU", "dma-test-nc")));
        assertTrue(text(nic.receive("", "dma-test-nc", "aa", "700")).matches(
            "receive\\(dma-test-nc, aa, 700\\) = RX slot 0: 700 bytes written at dma 0x[0-9a-f]+"));
        nic.receive("", "dma-test-nc", "bb", "700");
        assertEquals("RX slot 0: read aa aa aa aa aa aa aa aa aa aa aa aa aa aa aa aa ... (700 bytes): as the device"
            + " wrote\nRX slot 1: read bb bb bb bb bb bb bb bb bb bb bb bb bb bb bb bb ... (700 bytes): as the device"
            + " wrote\npoll(dma-test-nc, 64) = 2", text(nic.poll("", "dma-test-nc")));
        nic.receive("", "dma-test-nc", "cc", "700");
        assertEquals("RX slot 0: read aa aa aa aa aa aa aa aa aa aa aa aa aa aa aa aa ... (700 bytes): STALE, the"
            + " device wrote cc cc cc cc cc cc cc cc cc cc cc cc cc cc cc cc ... (700 bytes); 700 bytes differ, 11 cache"
            + " lines read stale\npoll(dma-test-nc, 1) = 1", text(nic.poll("", "dma-test-nc", "1")));
        String stats = text(nic.stats("", "dma-test-nc"));
        assertTrue(stats.startsWith("NIC statistics:\n     tx_packets: 0\n"), stats);
        assertTrue(stats.contains("\n     rx_packets: 3\n"), stats);
        assertTrue(stats.endsWith("\n     rx_stale_cache_lines: 11"), stats);
        assertEquals("remove(dma-test-nc)", text(nic.remove("", "dma-test-nc")));
        assertTrue(Boards.dma(board).mappings().isEmpty());
    }

    @Test
    void theCorrectDriverReadsEveryFrameAndSendsWhatWasQueued() {
        nic.probe("", "64", "", "", "", "2", "2048", "", "dma-test-nc");
        for (String b : new String[] {"aa", "bb", "cc"}) {
            nic.receive("", "dma-test-nc", b, "700");
            assertTrue(text(nic.poll("", "dma-test-nc")).endsWith(": as the device wrote\npoll(dma-test-nc, 64) = 1"));
        }
        assertEquals("wire: 08 00 45 00 08 00 45 00 08 00 45 00 08 00 45 00 ... (60 bytes), as queued\n"
            + "xmit(dma-test-nc, 08004500, 60) = NETDEV_TX_OK", text(nic.xmit("", "dma-test-nc", "08004500", "60")));
        String rings = text(nic.rings("", "dma-test-nc"));
        assertTrue(rings.contains("; driver tail 1, clean 0; device head 1\n"), rings);
        assertTrue(rings.contains("; driver next 3; device head 3\n"), rings);
        assertTrue(rings.lines().anyMatch(l -> l.matches("tx {4}0 {5}0x[0-9a-f]+ +60 +0 +DONE")), rings);
        assertTrue(rings.lines().anyMatch(l -> l.matches("rx {4}1 {5}0x[0-9a-f]+ +2048 +0 +OWN")), rings);
        nic.poll("", "dma-test-nc");
        assertTrue(text(nic.stats("", "dma-test-nc")).contains("\n     tx_packets: 1\n"));
    }

    @Test
    void badInputNamesTheInputAndTheRuleAndBindsNothing() {
        assertEquals("ring size 3 (expected: a power of two, 2..4096)", assertThrows(IllegalArgumentException.class,
            () -> nic.probe("", "64", "", "", "", "3", "2048", "", "dma-test-nc")).getMessage());
        assertEquals("bug: 'forgot_everything' (expected: missing_rx_sync_for_cpu, ignores_segment_limits)",
            assertThrows(IllegalArgumentException.class,
                () -> nic.probe("", "64", "", "", "", "2", "2048", "forgot_everything", "dma-test-nc")).getMessage());
        assertEquals("bits: 65 (expected: 1..64)", assertThrows(IllegalArgumentException.class,
            () -> nic.probe("", "65", "", "", "", "2", "2048", "", "dma-test-nc")).getMessage());
        assertTrue(assertThrows(IllegalArgumentException.class, () -> nic.probe("", "64", "", "", "", "2", "2048", "",
            "nosuch")).getMessage().startsWith("platform 'qemu-virt-arm64-testdevs': no device 'nosuch' (devices: ["));
        assertEquals("nic: no driver bound to 'dma-test-nc' on platform 'qemu-virt-arm64-testdevs' (bind one with"
            + " nic:probe dma-test-nc)", assertThrows(IllegalArgumentException.class,
                () -> nic.poll("", "dma-test-nc")).getMessage());
        assertEquals("no platform named 'other' (platforms: qemu-virt-arm64-testdevs)",
            assertThrows(IllegalArgumentException.class, () -> nic.poll("other", "dma-test-nc")).getMessage());
        nic.probe("", "64", "", "", "", "2", "2048", "", "dma-test-nc");
        assertEquals("data: 'xyz' (expected: hex bytes, two digits each, such as aa or 0800451c)",
            assertThrows(IllegalArgumentException.class, () -> nic.xmit("", "dma-test-nc", "xyz", "60")).getMessage());
        assertEquals("len: 70000 (expected: 1..65535)", assertThrows(IllegalArgumentException.class,
            () -> nic.receive("", "dma-test-nc", "aa", "70000")).getMessage());
        assertEquals("budget: 0 (expected: 1..65536)", assertThrows(IllegalArgumentException.class,
            () -> nic.poll("", "dma-test-nc", "0")).getMessage());
        assertTrue(assertThrows(IllegalArgumentException.class, () -> nic.probe("", "64", "", "", "", "2", "2048", "",
            "dma-test-nc")).getMessage().contains("already has a driver bound (-EBUSY)"));
        assertTrue(text(nic.stats("", "dma-test-nc")).contains("\n     rx_packets: 0\n"), "nothing moved");
        assertEquals("receive(dma-test-nc, aa, 3000) = RX slot 0: DONE|ERR, the frame is longer than the 2048-byte"
            + " buffer", text(nic.receive("", "dma-test-nc", "aa", "3000")));
        assertEquals("poll(dma-test-nc, 64) = 0", text(nic.poll("", "dma-test-nc")));
        DmaApi dma = Boards.dma(board);
        nic.remove("", "dma-test-nc");
        assertTrue(dma.mappings().isEmpty());
    }

    @Test
    void aMaskWiderThanTheEngineTruncatesItsAddressesIntoABusError() {
        nic.probe("", "32", "64", "", "", "2", "2048", "", "dma-test-nc");
        // the rings lie above 4 GiB on this board: bit 32 does not exist on the engine's bus
        String halted = "dma-test-nc: DMA bus error at 0x1000 (0x100001000: the device drives 32 address bits),"
            + " 16 bytes: no RAM at phys 0x1000 (decode error)";
        assertEquals("receive(dma-test-nc, aa, 100) = dropped: the device is halted (" + halted + ")",
            text(nic.receive("", "dma-test-nc", "aa", "100")));
        assertEquals("wire: nothing sent (device halted: " + halted + ")\nxmit(dma-test-nc, aa, 100) = NETDEV_TX_OK",
            text(nic.xmit("", "dma-test-nc", "aa", "100")));
        String stats = text(nic.stats("", "dma-test-nc"));
        assertTrue(stats.contains("\n     rx_missed: 1\n"), stats);
        assertTrue(stats.contains("\n     dma_bus_errors: 1\n     dma_truncated_accesses: 1\n"), stats);
        assertTrue(stats.endsWith("\n     fatal_bus_error: " + halted), stats);
    }
}
