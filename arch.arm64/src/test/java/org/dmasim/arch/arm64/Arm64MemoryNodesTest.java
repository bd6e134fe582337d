package org.dmasim.arch.arm64;

import static org.dmasim.testing.Dt.cells;
import static org.dmasim.testing.Dt.memory;
import static org.dmasim.testing.Dt.node;
import static org.dmasim.testing.Dt.props;
import static org.dmasim.testing.Dt.root;
import static org.dmasim.testing.Dt.string;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.dmasim.api.dt.DtNode;
import org.dmasim.api.platform.MemoryRange;
import org.dmasim.testing.Dt;
import org.dmasim.testing.FakeBootContext;
import org.dmasim.testing.Specs;
import org.junit.jupiter.api.Test;

/** early_init_dt_scan_memory() as arm64 uses it, and arm64's DMA hooks. */
class Arm64MemoryNodesTest {
    private static FakeBootContext ctx(DtNode root) {
        return new FakeBootContext(Specs.arm64(Dt.tree(root), List.of(), ""));
    }

    @Test
    void everyAvailableMemoryNodeGivesItsBanksInTreeOrder() {
        DtNode split = node("memory@400000000", props(string("device_type", "memory"),
            cells("reg", 0x4, 0x0, 0x0, 0x80000000L, 0x8, 0x0, 0x0, 0x40000000)));
        List<MemoryRange> banks = Arm64Arch.dtMemory(ctx(root(memory(0x40000000L, 2L << 30), split)));
        assertEquals(List.of(new MemoryRange(0x40000000L, 2L << 30), new MemoryRange(0x400000000L, 2L << 30),
            new MemoryRange(0x800000000L, 1L << 30)), banks);
    }

    @Test
    void linuxUsableMemoryWinsOverRegAndDisabledOrOtherNodesDoNotCount() {
        DtNode usable = node("memory@40000000", props(string("device_type", "memory"),
            cells("reg", 0x0, 0x40000000, 0x1, 0x0), cells("linux,usable-memory", 0x0, 0x40000000, 0x0, 0x20000000)));
        DtNode disabled = node("memory@200000000", props(string("device_type", "memory"), string("status", "disabled"),
            cells("reg", 0x2, 0x0, 0x1, 0x0)));
        DtNode sram = node("sram@10000000", props(cells("reg", 0x0, 0x10000000, 0x0, 0x100000)));
        assertEquals(List.of(new MemoryRange(0x40000000L, 512L << 20)),
            Arm64Arch.dtMemory(ctx(root(usable, disabled, sram))));
    }

    @Test
    void overlappingBanksAreKeptAndRemarkedOn() {
        FakeBootContext c = ctx(root(memory(0x40000000L, 1L << 30), memory(0x60000000L, 1L << 30)));
        assertEquals(2, Arm64Arch.dtMemory(c).size(), "memblock merges them, as the kernel does silently");
        assertTrue(c.log().kernelText().isEmpty());
        assertEquals(1, c.log().lines().size());
        assertTrue(c.log().lines().get(0).text().contains("overlaps an earlier bank"), c.log().lines().get(0).text());
    }
}
