package org.dmasim.platform.dt;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;

import org.dmasim.api.dt.DeviceTree;
import org.dmasim.api.dt.DtNode;
import org.dmasim.api.dt.DtProperty;
import org.junit.jupiter.api.Test;

class DtsParserTest {

    // ---- the hand-written fixtures (also compared with dtc's blobs in DtbParserTest) ------

    @Test
    void featuresFixtureValues() {
        DeviceTree t = Fixtures.dts("features");
        DtNode root = t.root();
        assertBytes("dmasim \"features\" board\n\0", root, "model");
        assertEquals(List.of("acme,board", "acme,soc"), root.property("compatible").orElseThrow().strings());
        assertHex("001affdeadbeef", root, "bytes");
        assertHex("6100" + "0000000100000002" + "7f" + "6200", root, "mixed");
        assertCells(root, "chars", 'a', '\n', 0x41, 0x41);
        assertCells(root, "expr", 7, 8, 4, 16, 3, 0xff, 1, 1, 7, 5, 0xffffffffL, 10, 1, 0);
        assertCells(root, "literals", 1, 15, 10, 16, 5);
        assertHex("123456789abcdef0" + "0000010000000000", root, "big");
        assertHex("0102ff" + "1234fffe", root, "small");
        assertCells(root, "labelled-value", 1, 2);
        assertTrue(root.property("empty-prop").orElseThrow().isEmpty());
        assertFalse(root.has("to-be-deleted"), "/delete-property/");
        assertTrue(t.find("/doomed").isEmpty(), "/delete-node/ inside a node");
        assertTrue(t.find("/soc/legacy-dma@a000000").isEmpty(), "/delete-node/ &label");
        assertEquals(List.of(new DeviceTree.MemReserve(0x48000000L, 0x100000L),
            new DeviceTree.MemReserve(1L << 32, 0x2000)), t.memReserves());
    }

    @Test
    void featuresFixtureReferences() {
        DeviceTree t = Fixtures.dts("features");
        // Merged from the &uart0 and &soc blocks into the node the included file defined.
        DtNode uart = t.find("/soc/serial@9000000").orElseThrow();
        assertEquals("okay", uart.property("status").orElseThrow().string());
        assertCells(uart, "current-speed", 115200);
        assertTrue(t.find("/soc").orElseThrow().has("dma-ranges"));
        // Path references.
        assertEquals("/soc/serial@9000000", t.find("/aliases").orElseThrow().property("serial0").orElseThrow().string());
        assertEquals("/soc", t.find("/aliases").orElseThrow().property("soc").orElseThrow().string());
        assertEquals("/soc/serial@9000000", t.find("/chosen").orElseThrow().property("stdout-path").orElseThrow().string());
        // Phandles as dtc numbers them: document order, skipping the explicit <3> of clock-b.
        assertEquals(1L, phandleOf(t, "/soc/interrupt-controller@8000000"));
        assertEquals(2L, phandleOf(t, "/reserved-memory/linux,cma"));
        assertEquals(3L, phandleOf(t, "/clock-b"));
        assertEquals(4L, phandleOf(t, "/clock-a"));
        assertEquals(5L, phandleOf(t, "/soc/serial@9000000"));
        assertEquals(6L, phandleOf(t, "/self-referencing"));
        assertEquals(7L, phandleOf(t, "/late-node"));
        assertCells(t.find("/consumer").orElseThrow(), "clocks", 4, 3, 5);
        assertCells(uart, "interrupt-parent", 1);
        assertEquals("/clock-b", t.byPhandle(3).orElseThrow().path());
        // An allocated phandle property goes last, after what a later block merged in.
        assertEquals(List.of("value", "added", "phandle"),
            List.copyOf(t.find("/late-node").orElseThrow().properties().keySet()));
    }

    @Test
    void mergeFixtureFollowsDtcSemantics() {
        DeviceTree t = Fixtures.dts("merge");
        assertEquals(List.of("a", "b", "c", "d"), List.copyOf(t.root().properties().keySet()));
        assertCells(t.root(), "a", 10);
        assertCells(t.root(), "b", 20);
        assertEquals(List.of("first", "second", "third", "fourth"),
            t.root().children().stream().map(DtNode::name).toList());
        DtNode first = t.find("/first").orElseThrow();
        assertEquals(List.of("x2"), List.copyOf(first.properties().keySet()));
        assertTrue(first.children().isEmpty());
        assertEquals("TWO", t.find("/second").orElseThrow().property("y").orElseThrow().string());
        assertEquals(List.of("z", "z2", "z3", "ref", "phandle"),
            List.copyOf(t.find("/third").orElseThrow().properties().keySet()));
    }

    // ---- smaller cases ----------------------------------------------------------------

    @Test
    void stringEscapes() {
        DeviceTree t = parse("/ { s = \"\\a\\b\\t\\n\\v\\f\\r\\\\\\\"\\'\\x41\\x4\\101\\0z\\q\"; u = \"\u00e9\"; };");
        assertArrayEquals(new byte[] {7, 8, 9, 10, 11, 12, 13, '\\', '"', '\'', 0x41, 4, 0x41, 0, 'z', 'q', 0},
            t.root().property("s").orElseThrow().value());
        assertArrayEquals("\u00e9\0".getBytes(StandardCharsets.UTF_8), t.root().property("u").orElseThrow().value());
    }

    @Test
    void expressionsFollowCPrecedenceInUnsigned64BitArithmetic() {
        DeviceTree t = parse("/ { e = /bits/ 64 <(1 + 2 * 3) ((1 + 2) * 3) (1 << 2 + 1) (10 - 2 - 3) (-1)"
            + " (-1 / 2) (5 > 3 == 1) (0 ? 1 : 2) (1 | 2 ^ 3 & 4) (1 << 64) (0x8000000000000000 >> 63) ('\\'')"
            + " (~0UL) (100 % 7) (!5) (2 <= 2) (3 != 3) (18446744073709551615ULL)>; };");
        assertHex("0000000000000007" + "0000000000000009" + "0000000000000008" + "0000000000000005"
            + "ffffffffffffffff" + "7fffffffffffffff" + "0000000000000001" + "0000000000000002"
            + "0000000000000003" + "0000000000000000" + "0000000000000001" + "0000000000000027"
            + "ffffffffffffffff" + "0000000000000002" + "0000000000000000" + "0000000000000001"
            + "0000000000000000" + "ffffffffffffffff", t.root(), "e");
    }

    @Test
    void bitsSizesAndSignExtendedNegatives() {
        DeviceTree t = parse("/ { a = /bits/ 8 <(-1) 0x7f>; b = /bits/ 16 <(-2)>; c = /bits/ 32 <(-3)>; d = <>; };");
        assertHex("ff7f", t.root(), "a");
        assertHex("fffe", t.root(), "b");
        assertHex("fffffffd", t.root(), "c");
        assertHex("", t.root(), "d");
    }

    @Test
    void includeIsResolvedRelativeToTheIncludingFile() {
        Map<String, String> files = Map.of(
            "boards/board.dts", "/dts-v1/;\n/include/ \"../common/soc.dtsi\"\n/ { model = \"b\"; };\n",
            "common/soc.dtsi", "/ { soc { /include/ \"props.dtsi\" }; };\n",
            "common/props.dtsi", "compatible = \"simple-bus\";\n");
        DeviceTree t = DtsParser.parse(files.get("boards/board.dts"), "boards/board.dts", IncludeResolver.inMemory(files));
        assertEquals("simple-bus", t.find("/soc").orElseThrow().property("compatible").orElseThrow().string());
        assertEquals("b", t.root().property("model").orElseThrow().string());
    }

    @Test
    void labelRelativePathsAndLabelsOnReferences() {
        DeviceTree t = parse("/ { bus: bus { dev { }; }; user { p = <&{bus/dev}>; q = &{/bus/dev}; }; };\n"
            + "alias1: alias2: &bus { x; };\n&alias2 { y; };\n&{alias1/dev} { z; };");
        DtNode dev = t.find("/bus/dev").orElseThrow();
        assertEquals(1L, dev.phandle().orElseThrow());
        assertTrue(dev.has("z"));
        assertTrue(t.find("/bus").orElseThrow().has("x"));
        assertTrue(t.find("/bus").orElseThrow().has("y"));
        assertEquals("/bus/dev", t.find("/user").orElseThrow().property("q").orElseThrow().string());
    }

    @Test
    void allocationSkipsExplicitPhandlesAndReusesExisting() {
        DeviceTree t = parse("/ { a: a { phandle = <1>; }; b: b { }; c: c { linux,phandle = <2>; }; d: d { };"
            + " user { r = <&b &a &c &d &b>; }; };");
        assertCells(t.find("/user").orElseThrow(), "r", 3, 1, 2, 4, 3);
        assertFalse(t.find("/c").orElseThrow().has("phandle"), "linux,phandle is enough");
        assertEquals(2L, t.find("/c").orElseThrow().phandle().orElseThrow());
    }

    @Test
    void mixedValuesAndLabelsInsideValues() {
        DeviceTree t = parse("/ { m = \"s\", <1 &n>, [01 02], &n, /bits/ 16 <3>; b = [0102 0304]; "
            + "l = x: [y: 01 z: 02] w:; n: n { }; };");
        assertHex("7300" + "00000001" + "00000001" + "0102" + "2f6e00" + "0003", t.root(), "m");
        assertHex("01020304", t.root(), "b");
        assertHex("0102", t.root(), "l");
    }

    @Test
    void headerVariationsAndLineEndings() {
        DeviceTree t = DtsParser.parse("\uFEFF/dts-v1/;\r\n/dts-v1/;\r\n/memreserve/ 0x1000 0x10;\r\nlbl: /memreserve/ 0x2000 (0x10 * 2);"
            + "\r\n/ {\r\n\tp = <1>;\r\n};\r\n/ { q; };", "crlf.dts");
        assertEquals(List.of(new DeviceTree.MemReserve(0x1000, 0x10), new DeviceTree.MemReserve(0x2000, 0x20)),
            t.memReserves());
        assertTrue(t.root().has("p"));
        assertTrue(t.root().has("q"));
    }

    @Test
    void deleteThenRedefineInTheSameBlock() {
        DeviceTree t = parse("/ { a = <1>; b = <2>; /delete-property/ a; a = <3>; x { }; /delete-node/ x; x { y; }; };");
        assertEquals(List.of("a", "b"), List.copyOf(t.root().properties().keySet()));
        assertCells(t.root(), "a", 3);
        assertTrue(t.find("/x").orElseThrow().has("y"));
    }

    @Test
    void deletedLabelsAndMissingNamesAreHarmless() {
        DeviceTree t = parse("/ { /delete-property/ nothing; /delete-node/ nothing; };");
        assertTrue(t.root().children().isEmpty());
        // A label dies with its node and may then be used again.
        DeviceTree again = parse("/ { l: p = <1>; a: x { }; };\n/delete-node/ &a;\n/ { /delete-property/ p; a: y { }; };\n"
            + "/ { l: q = <&a>; };");
        assertEquals(List.of("y"), again.root().children().stream().map(DtNode::name).toList());
        assertCells(again.root(), "q", 1);
    }

    @Test
    void nestingUpToTheKernelLimit() {
        StringBuilder s = new StringBuilder("/ {");
        for (int i = 1; i < Fdt.MAX_DEPTH; i++) {
            s.append(" n {");
        }
        s.append(" leaf;");
        s.append(" };".repeat(Fdt.MAX_DEPTH));
        assertEquals(Fdt.MAX_DEPTH, parse(s.toString()).all().size());
    }

    // ---- helpers ------------------------------------------------------------------------

    static DeviceTree parse(String body) {
        return DtsParser.parse("/dts-v1/;\n" + body, "t.dts");
    }

    private static long phandleOf(DeviceTree t, String path) {
        return t.find(path).orElseThrow(() -> new AssertionError("no " + path)).phandle()
            .orElseThrow(() -> new AssertionError(path + " has no phandle"));
    }

    private static void assertBytes(String expected, DtNode node, String property) {
        assertArrayEquals(expected.getBytes(StandardCharsets.UTF_8), node.property(property).orElseThrow().value(),
            property);
    }

    private static void assertHex(String expected, DtNode node, String property) {
        DtProperty p = node.property(property).orElseThrow(() -> new AssertionError("no property " + property));
        assertEquals(expected, HexFormat.of().formatHex(p.value()), property);
    }

    private static void assertCells(DtNode node, String property, long... cells) {
        DtProperty p = node.property(property).orElseThrow(() -> new AssertionError("no property " + property));
        assertEquals(cells.length * 4, p.length(), property + " length");
        for (int i = 0; i < cells.length; i++) {
            assertEquals(cells[i], p.cell(i), property + " cell " + i);
        }
    }
}
