package org.dmasim.devices;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.dmasim.api.mm.PageAllocator;
import org.dmasim.platform.oracle.BootedPlatform;
import org.dmasim.shell.format.ShellFormatter;
import org.junit.jupiter.api.Test;

/**
 * Scope {@code blk}: requests show their DMA segments, the descriptors the driver cut from them
 * and the device's verdict; a driver that ignores the segment limits is refused with nothing
 * moved; bad input is named and changes nothing.
 */
class BlkCommandsTest {
    private static final String SEG = "0x[0-9a-f]+";

    private final BootedPlatform board = Boards.boot("qemu-virt-arm64-testdevs");
    private final BlkCommands blk = new BlkCommands();
    private final NicCommands nic = new NicCommands();

    BlkCommandsTest() {
        DeviceModelsComponent models = new DeviceModelsComponent();
        blk.models = models;
        blk.platforms = List.of(board);
        nic.models = models;
        nic.platforms = List.of(board);
    }

    private static String text(Object dto) {
        return ShellFormatter.formatAny(dto);
    }

    private long freePages() {
        return board.lookup(PageAllocator.class).orElseThrow().freePages();
    }

    @Test
    void aRequestIsCutAtTheBoundaryAndReadBackAsWritten() {
        assertEquals("probe(dma-test-nc) = sg-block: 131072 sectors, 0x40000 bytes per request, 64-bit engine, DMA"
            + " mask 64 bits, max segment 0x10000, boundary 0xffff, bugs: none",
            text(blk.probe("", "64", "", "", "", "256K", "131072", "", "dma-test-nc")));
        long free = freePages();
        List<String> w = text(blk.write("", "0", "dma-test-nc", "8", "5a", "128K")).lines().toList();
        assertTrue(w.get(0).matches("dma_map_sg: 1 segment: " + SEG + "\\+0x20000"), w.get(0));
        assertTrue(w.get(1).matches("descriptors: 2: \\[" + SEG + "\\+0x10000] \\[" + SEG + "\\+0x10000]"), w.get(1));
        assertEquals(List.of("device: OK, 131072 bytes", "write(dma-test-nc, 8, 5a, 128K) = 0"), w.subList(2, 4));
        assertEquals(free, freePages(), "the request's buffer went back");

        List<String> r = text(blk.read("", "0x800", "dma-test-nc", "8", "64K")).lines().toList();
        assertTrue(r.get(1).matches("descriptors: 2: \\[" + SEG + "\\+0xf800] \\[" + SEG + "\\+0x800]"), r.get(1));
        assertEquals(List.of("device: OK, 65536 bytes",
            "cpu: 5a 5a 5a 5a 5a 5a 5a 5a 5a 5a 5a 5a 5a 5a 5a 5a ... (65536 bytes), as on the medium",
            "read(dma-test-nc, 8, 64K) = 0"), r.subList(2, 5));
        String stats = text(blk.stats("", "dma-test-nc"));
        assertTrue(stats.startsWith("sg-block statistics:\n     requests_completed: 2\n"), stats);
        assertTrue(stats.contains("\n     dma_bytes_read: 131072\n     dma_bytes_written: 65536\n"), stats);
    }

    @Test
    void aDriverIgnoringTheLimitsIsRefusedWithNothingMoved() {
        blk.probe("", "64", "", "", "", "256K", "131072", "ignores_segment_limits", "dma-test-coh");
        List<String> w = text(blk.write("", "0", "dma-test-coh", "0", "77", "128K")).lines().toList();
        assertTrue(w.get(1).matches("descriptors: 1: \\[" + SEG + "\\+0x20000]"), w.get(1));
        assertTrue(w.get(2).matches("device: REFUSED, 0 bytes: dma-test-coh: descriptor \\[" + SEG + "\\+0x20000] is"
            + " longer than the engine's maximum segment of 0x10000 bytes: refused"), w.get(2));
        assertEquals("write(dma-test-coh, 0, 77, 128K) = -5", w.get(3));
        String back = text(blk.read("", "0", "dma-test-coh", "0", "4K"));
        assertTrue(back.contains("cpu: 00 00 00"), back);
        String stats = text(blk.stats("", "dma-test-coh"));
        assertTrue(stats.endsWith("\n     dma_refused_descriptors: 1"), stats);
        assertEquals("remove(dma-test-coh)", text(blk.remove("", "dma-test-coh")));
        assertTrue(Boards.dma(board).mappings().isEmpty());
    }

    @Test
    void badInputNamesTheInputAndTheRule() {
        assertEquals("max segment size: 0 (expected: 1..0xffffffff, an unsigned int as dma_set_max_seg_size takes it)",
            assertThrows(IllegalArgumentException.class,
                () -> blk.probe("", "64", "", "0", "", "256K", "131072", "", "dma-test-nc")).getMessage());
        assertEquals("segment boundary: 0x1000 (expected: a mask 2^n - 1, as dma_set_seg_boundary takes it)",
            assertThrows(IllegalArgumentException.class,
                () -> blk.probe("", "64", "", "", "0x1000", "256K", "131072", "", "dma-test-nc")).getMessage());
        assertEquals("blk: no driver bound to 'dma-test-nc' on platform 'qemu-virt-arm64-testdevs' (bind one with"
            + " blk:probe dma-test-nc)", assertThrows(IllegalArgumentException.class,
                () -> blk.read("", "0", "dma-test-nc", "0", "4K")).getMessage());
        nic.probe("", "64", "", "", "", "2", "2048", "", "dma-test-nc");
        assertTrue(assertThrows(IllegalArgumentException.class, () -> blk.probe("", "64", "", "", "", "256K", "131072",
            "", "dma-test-nc")).getMessage().contains("already has a driver bound (-EBUSY)"));
        assertEquals("blk: no driver bound to 'dma-test-nc' on platform 'qemu-virt-arm64-testdevs' (bind one with"
            + " blk:probe dma-test-nc)", assertThrows(IllegalArgumentException.class,
                () -> blk.stats("", "dma-test-nc")).getMessage(), "a NIC is no block device");
        nic.remove("", "dma-test-nc");

        blk.probe("", "64", "", "", "", "256K", "131072", "", "dma-test-nc");
        long free = freePages();
        assertEquals("driver: not whole sectors, or more than the device's 262144 bytes per request: nothing mapped\n"
            + "write(dma-test-nc, 0, aa, 100) = -22", text(blk.write("", "0", "dma-test-nc", "0", "aa", "100")));
        assertEquals("driver: not whole sectors, or more than the device's 262144 bytes per request: nothing mapped\n"
            + "read(dma-test-nc, 0, 512K) = -22", text(blk.read("", "0", "dma-test-nc", "0", "512K")));
        assertTrue(text(blk.read("", "0", "dma-test-nc", "131071", "1K")).contains("device: REFUSED, 0 bytes:"
            + " dma-test-nc: sectors 131071+2 lie beyond the medium's 131072"));
        assertEquals("len: 2M (expected: 1..1048576)", assertThrows(IllegalArgumentException.class,
            () -> blk.write("", "0", "dma-test-nc", "0", "aa", "2M")).getMessage());
        assertEquals("offset: 4096 (expected: 0..4095)", assertThrows(IllegalArgumentException.class,
            () -> blk.write("", "4096", "dma-test-nc", "0", "aa", "4K")).getMessage());
        assertEquals(free, freePages());
        assertTrue(Boards.dma(board).mappings().isEmpty());
    }
}
