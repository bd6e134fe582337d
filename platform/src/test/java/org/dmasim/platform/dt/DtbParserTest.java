package org.dmasim.platform.dt;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;

import org.dmasim.api.dt.DeviceTree;
import org.dmasim.api.dt.DeviceTreeException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

class DtbParserTest {

    static Stream<String> allFixtures() {
        return Stream.concat(Fixtures.ORACLE_CASES.stream(), Fixtures.HAND_WRITTEN.stream());
    }

    @ParameterizedTest
    @MethodSource("allFixtures")
    void dtcBlobParsesToTheSameTreeAsItsSource(String name) {
        TreeAssert.assertTreesEqual(Fixtures.dts(name), Fixtures.dtb(name));
    }

    @ParameterizedTest
    @MethodSource("allFixtures")
    void writerReproducesDtcOutputByteForByte(String name) {
        byte[] dtc = Fixtures.bytes(name + ".dtb");
        assertArrayEquals(dtc, DtbWriter.write(Fixtures.dtb(name)));
        assertArrayEquals(dtc, DtbWriter.write(Fixtures.dts(name)), "writing the tree parsed from DTS");
    }

    @ParameterizedTest
    @MethodSource("allFixtures")
    void writerOutputParsesBackEqual(String name) {
        DeviceTree tree = Fixtures.dts(name);
        TreeAssert.assertTreesEqual(tree, DtbParser.parse(DtbWriter.write(tree), "written.dtb"));
    }

    @Test
    void readsMemoryReservations() {
        DeviceTree t = Fixtures.dtb("features");
        assertEquals(List.of(new DeviceTree.MemReserve(0x48000000L, 0x100000L),
            new DeviceTree.MemReserve(0x100000000L, 0x2000L)), t.memReserves());
    }

    @Test
    void acceptsNopTokensAnywhereAndVersion16() {
        byte[] blob = new FdtBuilder().nop().begin("").nop().prop("a", FdtBuilder.cells(1)).nop()
            .begin("child").end().nop().end().nop().finish().build();
        DeviceTree t = DtbParser.parse(blob, "nop.dtb");
        assertEquals(1, t.root().property("a").orElseThrow().u32());
        assertTrue(t.find("/child").isPresent());

        byte[] v16 = FdtBuilder.withU32(blob, Fdt.OFF_VERSION, 16);
        v16 = FdtBuilder.withU32(v16, Fdt.OFF_SIZE_DT_STRUCT, 0xdeadbeefL); // not a v16 field: ignored
        TreeAssert.assertTreesEqual(t, DtbParser.parse(v16, "v16.dtb"));
    }

    @Test
    void ignoresBytesAfterTotalsize() {
        byte[] dtc = Fixtures.bytes("merge.dtb");
        byte[] padded = Arrays.copyOf(dtc, dtc.length + 100);
        TreeAssert.assertTreesEqual(Fixtures.dtb("merge"), DtbParser.parse(padded, "padded.dtb"));
    }

    @Test
    void acceptsNestingUpToTheKernelLimit() {
        FdtBuilder b = new FdtBuilder().begin("");
        for (int i = 1; i < Fdt.MAX_DEPTH; i++) {
            b.begin("n");
        }
        for (int i = 0; i < Fdt.MAX_DEPTH; i++) {
            b.end();
        }
        DeviceTree t = DtbParser.parse(b.finish().build(), "deep.dtb");
        assertEquals(Fdt.MAX_DEPTH, t.all().size());
    }

    // ---- header errors -------------------------------------------------------------------

    private static final byte[] EMPTY_ROOT = FdtBuilder.emptyRoot().build(); // 0x48 bytes, struct at 0x38

    @Test
    void rejectsShortBlob() {
        assertError("t.dtb: offset 0x0: blob is 3 bytes, too short for the 0xd00dfeed magic", new byte[3]);
        assertError("t.dtb: offset 0x0: blob is 20 bytes, too short for the 36-byte header",
            Arrays.copyOf(EMPTY_ROOT, 20));
    }

    @Test
    void rejectsBadMagic() {
        assertError("t.dtb: offset 0x0: bad magic 0x12345678 (a DTB starts with 0xd00dfeed)",
            FdtBuilder.withU32(EMPTY_ROOT, 0, 0x12345678));
    }

    @Test
    void rejectsTotalsizeBeyondTheBlob() {
        assertError("t.dtb: offset 0x4: totalsize 0x100 runs past the end of the 0x48-byte blob (truncated?)",
            FdtBuilder.withU32(EMPTY_ROOT, Fdt.OFF_TOTALSIZE, 0x100));
        assertError("t.dtb: offset 0x4: totalsize 0x48 runs past the end of the 0x3c-byte blob (truncated?)",
            Arrays.copyOf(EMPTY_ROOT, 0x3c));
        assertError("t.dtb: offset 0x4: totalsize 0x10 is smaller than the 40-byte header",
            FdtBuilder.withU32(EMPTY_ROOT, Fdt.OFF_TOTALSIZE, 0x10));
    }

    @Test
    void rejectsUnsupportedVersions() {
        assertError("t.dtb: offset 0x14: version 15 is not supported (need 16 or later)",
            FdtBuilder.withU32(EMPTY_ROOT, Fdt.OFF_VERSION, 15));
        assertError("t.dtb: offset 0x18: last_comp_version 18 means only version-18 readers can parse it;"
            + " this reader knows version 17", FdtBuilder.withU32(EMPTY_ROOT, Fdt.OFF_LAST_COMP_VERSION, 18));
        byte[] v16lc17 = FdtBuilder.withU32(FdtBuilder.withU32(EMPTY_ROOT, Fdt.OFF_VERSION, 16),
            Fdt.OFF_LAST_COMP_VERSION, 17);
        assertError("t.dtb: offset 0x18: last_comp_version 17 is newer than the version 16", v16lc17);
    }

    @Test
    void rejectsMisplacedOrMisalignedBlocks() {
        assertError("t.dtb: offset 0x8: off_dt_struct 0x3a is not 4-byte aligned",
            FdtBuilder.withU32(EMPTY_ROOT, Fdt.OFF_DT_STRUCT, 0x3a));
        assertError("t.dtb: offset 0x8: off_dt_struct 0x10 points into the 40-byte header",
            FdtBuilder.withU32(EMPTY_ROOT, Fdt.OFF_DT_STRUCT, 0x10));
        assertError("t.dtb: offset 0x8: off_dt_struct 0x1000 lies past totalsize 0x48",
            FdtBuilder.withU32(EMPTY_ROOT, Fdt.OFF_DT_STRUCT, 0x1000));
        assertError("t.dtb: offset 0x24: structure block [0x38, 0x138) runs past totalsize 0x48",
            FdtBuilder.withU32(EMPTY_ROOT, Fdt.OFF_SIZE_DT_STRUCT, 0x100));
        assertError("t.dtb: offset 0x10: off_mem_rsvmap 0x2c is not 8-byte aligned",
            FdtBuilder.withU32(EMPTY_ROOT, Fdt.OFF_MEM_RSVMAP, 0x2c));
        assertError("t.dtb: offset 0xc: off_dt_strings 0x100 lies past totalsize 0x48",
            FdtBuilder.withU32(EMPTY_ROOT, Fdt.OFF_DT_STRINGS, 0x100));
        assertError("t.dtb: offset 0x20: strings block [0x48, 0x49) runs past totalsize 0x48",
            FdtBuilder.withU32(EMPTY_ROOT, Fdt.OFF_SIZE_DT_STRINGS, 1));
        // An offset near 2^32 must not wrap around when the size is added.
        assertError("t.dtb: offset 0x24: structure block [0x38, 0x100000037) runs past totalsize 0x48",
            FdtBuilder.withU32(EMPTY_ROOT, Fdt.OFF_SIZE_DT_STRUCT, 0xffffffffL));
    }

    @Test
    void rejectsUnterminatedReservationBlock() {
        byte[] blob = new FdtBuilder().reserve(0x1000, 0x2000).begin("").end().finish().build();
        // Overwrite the (0, 0) terminator at 0x38: the block would run on into the structure block.
        byte[] broken = FdtBuilder.withU32(blob, 0x38, 1);
        assertError("t.dtb: offset 0x48: memory reservation block runs into the structure block at 0x48"
            + " without its (0, 0) terminator", broken);
    }

    @Test
    void rejectsReservationThatWrapsTheAddressSpace() {
        byte[] blob = new FdtBuilder().reserve(0xffffffff00000000L, 0x200000000L).begin("").end().finish().build();
        assertError("t.dtb: offset 0x28: memory reservation 0xffffffff00000000 size 0x200000000 wraps past the"
            + " end of the 64-bit address space", blob);
    }

    // ---- structure block errors ----------------------------------------------------------

    @Test
    void rejectsUnknownToken() {
        FdtBuilder b = new FdtBuilder().begin("");
        int at = b.at();
        b.token(7).end().finish();
        assertError("t.dtb: offset 0x" + Integer.toHexString(at) + ": unknown structure token 0x7", b.build());
    }

    @Test
    void rejectsUnterminatedNodeName() {
        FdtBuilder b = new FdtBuilder().begin("").token(Fdt.BEGIN_NODE);
        int nameAt = b.at();
        b.raw("abcd".getBytes(StandardCharsets.US_ASCII));
        int end = b.at();
        assertError("t.dtb: offset 0x" + Integer.toHexString(nameAt)
            + ": node name is not NUL-terminated before the structure block ends at 0x" + Integer.toHexString(end),
            b.build());
    }

    @Test
    void rejectsNameoffOutsideTheStringsBlock() {
        FdtBuilder b = new FdtBuilder().begin("");
        int at = b.at();
        b.propRaw(4, 0x99, FdtBuilder.cells(1)).end().finish();
        assertError("t.dtb: offset 0x" + Integer.toHexString(at + 8)
            + ": property nameoff 0x99 lies outside the 0x0-byte strings block", b.build());
    }

    @Test
    void rejectsUnterminatedPropertyName() {
        FdtBuilder b = new FdtBuilder().begin("").propRaw(4, 0, FdtBuilder.cells(1)).end().finish();
        b.rawString("reg".getBytes(StandardCharsets.US_ASCII));
        byte[] blob = b.build();
        long stringsAt = FdtBuilder.u32At(blob, Fdt.OFF_DT_STRINGS);
        assertError("t.dtb: offset 0x" + Long.toHexString(stringsAt)
            + ": property name at nameoff 0x0 is not NUL-terminated inside the strings block", blob);
    }

    @Test
    void rejectsPropertyLongerThanTheStructureBlock() {
        FdtBuilder b = new FdtBuilder().begin("");
        int at = b.at();
        b.propRaw(4096, b.addString("reg"), FdtBuilder.cells(1)).end().finish();
        int end = b.at();
        assertError("t.dtb: offset 0x" + Integer.toHexString(at) + ": property 'reg' length 4096 runs past the"
            + " structure block (ends at 0x" + Integer.toHexString(end) + ")", b.build());
    }

    @Test
    void rejectsMissingEndToken() {
        FdtBuilder b = new FdtBuilder().begin("").end();
        int end = b.at();
        assertError("t.dtb: offset 0x" + Integer.toHexString(end) + ": structure block ends at 0x"
            + Integer.toHexString(end) + " without an FDT_END token", b.build());
    }

    @Test
    void rejectsUnbalancedNesting() {
        FdtBuilder open = new FdtBuilder().begin("").begin("a").end();
        int at = open.at();
        assertError("t.dtb: offset 0x" + Integer.toHexString(at) + ": FDT_END inside node / (missing FDT_END_NODE)",
            open.finish().build());

        FdtBuilder extraEnd = new FdtBuilder();
        int at2 = extraEnd.at();
        assertError("t.dtb: offset 0x" + Integer.toHexString(at2) + ": FDT_END_NODE without a matching FDT_BEGIN_NODE",
            extraEnd.end().finish().build());

        FdtBuilder noRoot = new FdtBuilder();
        int at3 = noRoot.at();
        assertError("t.dtb: offset 0x" + Integer.toHexString(at3) + ": FDT_END before any root node",
            noRoot.finish().build());
    }

    @Test
    void rejectsASecondRoot() {
        FdtBuilder b = new FdtBuilder().begin("").end();
        int at = b.at();
        assertError("t.dtb: offset 0x" + Integer.toHexString(at)
            + ": FDT_BEGIN_NODE after the root node ended (a tree has exactly one root)",
            b.begin("").end().finish().build());
    }

    @Test
    void rejectsBadNodeNames() {
        FdtBuilder named = new FdtBuilder();
        int at = named.at() + 4;
        assertError("t.dtb: offset 0x" + Integer.toHexString(at) + ": root node name must be empty, found 'x'",
            named.begin("x").end().finish().build());

        FdtBuilder empty = new FdtBuilder().begin("");
        int at2 = empty.at() + 4;
        assertError("t.dtb: offset 0x" + Integer.toHexString(at2) + ": node in / has an empty name (only the root may)",
            empty.begin("").end().end().finish().build());

        FdtBuilder slash = new FdtBuilder().begin("");
        int at3 = slash.at() + 4;
        assertError("t.dtb: offset 0x" + Integer.toHexString(at3) + ": node name 'a/b' contains '/'",
            slash.begin("a/b").end().end().finish().build());
    }

    @Test
    void rejectsPropertyOutsideAnyNode() {
        FdtBuilder b = new FdtBuilder();
        int at = b.at();
        assertError("t.dtb: offset 0x" + Integer.toHexString(at) + ": FDT_PROP outside any node",
            b.prop("a", new byte[0]).begin("").end().finish().build());
    }

    @Test
    void rejectsPropertyAfterChildNode() {
        FdtBuilder b = new FdtBuilder().begin("").begin("a").end();
        int at = b.at();
        assertError("t.dtb: offset 0x" + Integer.toHexString(at)
            + ": property 'p' of / follows a child node (properties must precede subnodes)",
            b.prop("p", new byte[0]).end().finish().build());
    }

    @Test
    void rejectsDuplicates() {
        FdtBuilder props = new FdtBuilder().begin("").prop("p", new byte[0]);
        int at = props.at();
        assertError("t.dtb: offset 0x" + Integer.toHexString(at) + ": duplicate property 'p' in /",
            props.prop("p", new byte[0]).end().finish().build());

        FdtBuilder nodes = new FdtBuilder().begin("").begin("a").end();
        int at2 = nodes.at();
        assertError("t.dtb: offset 0x" + Integer.toHexString(at2) + ": duplicate node name 'a' in /",
            nodes.begin("a").end().end().finish().build());
    }

    @Test
    void rejectsNestingBeyondTheKernelLimit() {
        FdtBuilder b = new FdtBuilder().begin("");
        for (int i = 1; i < Fdt.MAX_DEPTH; i++) {
            b.begin("n");
        }
        int at = b.at();
        b.begin("too-deep");
        assertError("t.dtb: offset 0x" + Integer.toHexString(at) + ": nodes nested deeper than 64 levels", b.build());
    }

    static void assertError(String expected, byte[] blob) {
        DeviceTreeException e = assertThrows(DeviceTreeException.class, () -> DtbParser.parse(blob, "t.dtb"));
        assertEquals(expected, e.getMessage());
    }
}
