package org.dmasim.platform.dt;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.Map;

import org.dmasim.api.dt.DeviceTreeException;
import org.junit.jupiter.api.Test;

/** Every DTS error names source:line:column (1-based, a tab is one column) and the rule broken. */
class DtsErrorTest {

    @Test
    void missingVersionTag() {
        assertError("/ { };", "x.dts:1:1: expected '/dts-v1/;' at the start of the file, found '/'"
            + " (dtc requires it; version-0 DTS is not supported)");
        assertError("/dts-v1/\n/ { };", "x.dts:1:9: expected ';' after /dts-v1/");
    }

    @Test
    void missingSemicolonAfterProperty() {
        assertError("""
            /dts-v1/;
            / {
            \treg = <0x1000 0x10>
            \tstatus = "okay";
            };
            """, "x.dts:3:21: expected ';' after property 'reg'");
        assertError("/dts-v1/;\n/ {\n\tdma-coherent\n\tstatus = \"okay\";\n};",
            "x.dts:3:14: expected ';' after property 'dma-coherent'");
        assertError("/dts-v1/;\n/ { a = \"x\" \"y\"; };", "x.dts:2:12: expected ';' after property 'a'");
    }

    @Test
    void missingEquals() {
        assertError("/dts-v1/;\n/ {\n\treg <1>;\n};", "x.dts:3:6: expected '=', ';' or '{' after 'reg', found '<'");
    }

    @Test
    void undefinedLabel() {
        assertError("/dts-v1/;\n/ {\n\tclocks = <&foo>;\n};", "x.dts:3:12: undefined label 'foo'");
        assertError("/dts-v1/;\n/ {\n\tserial = &foo;\n};", "x.dts:3:11: undefined label 'foo'");
        assertError("/dts-v1/;\n/ { };\n&foo { };", "x.dts:3:1: undefined label 'foo'");
        assertError("/dts-v1/;\n/ { };\n/delete-node/ &foo;", "x.dts:3:15: undefined label 'foo'");
        assertError("/dts-v1/;\n/ { p = <&{/nope}>; };", "x.dts:2:10: no node at path '/nope'");
        assertError("/dts-v1/;\n/ { p = <&{a/b}>; a: a { }; };", "x.dts:2:10: no node at path '/b' below label 'a'");
    }

    @Test
    void referenceToADeletedNode() {
        assertError("/dts-v1/;\n/ { a: a { }; b { p = <&a>; }; };\n/delete-node/ &a;",
            "x.dts:2:24: undefined label 'a'");
    }

    @Test
    void unterminatedTokens() {
        assertError("/dts-v1/;\n/ {\n\tmodel = \"abc;\n};", "x.dts:3:10: unterminated string");
        assertError("/dts-v1/;\n/ {\n\tc = <'a>;\n};", "x.dts:3:7: unterminated character literal");
        assertError("/dts-v1/;\n/* never closed\n/ { };", "x.dts:2:1: unterminated comment: '/*' has no closing '*/'");
        assertError("/dts-v1/;\n/ { a = <1 2", "x.dts:2:9: unterminated cell list: '<' has no closing '>'");
        assertError("/dts-v1/;\n/ { a = [01 02", "x.dts:2:9: unterminated byte string: '[' has no closing ']'");
        assertError("/dts-v1/;\n/ {\n  a {\n    b;\n", "x.dts:5:1: unexpected end of file in node /a: the '{' at 3:5"
            + " is never closed");
        assertError("/dts-v1/;\n/ { a { } }", "x.dts:2:10: expected ';' after '}' closing node /a");
        assertError("/dts-v1/;\n/ { p = &{/a; };", "x.dts:2:13: expected '}' to end the reference '&{/a', found ';'");
    }

    @Test
    void duplicates() {
        assertError("/dts-v1/;\n/ {\n\ta { };\n\ta { };\n};", "x.dts:4:2: duplicate node name 'a' in /");
        assertError("/dts-v1/;\n/ {\n\tn {\n\t\tp;\n\t\tp = <1>;\n\t};\n};", "x.dts:5:3: duplicate property 'p' in /n");
        assertError("/dts-v1/;\n/ {\n\tl: a { };\n\tl: b { };\n};", "x.dts:4:2: duplicate label 'l': already on /a");
        // Labels on properties and values mean nothing, but dtc still wants every label unique.
        assertError("/dts-v1/;\n/ { a: p = <1>; a: n { }; };", "x.dts:2:17: duplicate label 'a': already on property 'p' of /");
        assertError("/dts-v1/;\n/ { p = v: <1>, v: <2>; };",
            "x.dts:2:17: duplicate label 'v': already on a value of property 'p' of /");
    }

    @Test
    void preprocessorDirectives() {
        assertError("/dts-v1/;\n#include \"soc.dtsi\"\n/ { };", "x.dts:2:1: C preprocessor directive '#include'"
            + " is not supported (DTS files are read without cpp); use /include/ \"file\" instead");
        assertError("/dts-v1/;\n/ {\n  #define FOO 1\n};", "x.dts:3:3: C preprocessor directive '#define'"
            + " is not supported (DTS files are read without cpp): write values out literally and use"
            + " /include/ \"file\" for includes");
        assertError("#include <dt-bindings/gpio/gpio.h>\n/dts-v1/;", "x.dts:1:1: C preprocessor directive"
            + " '#include' is not supported (DTS files are read without cpp); use /include/ \"file\" instead");
        assertError("# 1 \"board.dts\"\n/dts-v1/;", "x.dts:1:1: C preprocessor line marker '#' is not supported:"
            + " DTS files are read without cpp, so pass the original source, not cpp output");
    }

    @Test
    void unsupportedDirectives() {
        assertError("/dts-v1/;\n/ {\n\t/omit-if-no-ref/ a { };\n};",
            "x.dts:3:2: /omit-if-no-ref/ is not supported: delete unused nodes with /delete-node/");
        assertError("/dts-v1/;\n/ { };\n/omit-if-no-ref/ &a;",
            "x.dts:3:1: /omit-if-no-ref/ is not supported: delete unused nodes with /delete-node/");
        assertError("/dts-v1/;\n/plugin/;\n/ { };", "x.dts:2:1: /plugin/ (device-tree overlays) is not supported");
        assertError("/dts-v1/;\n/ { a = /incbin/(\"x.bin\"); };",
            "x.dts:2:9: /incbin/ is not supported: write the bytes out as [..] or <..>");
        assertError("/dts-v1/;\n/ { /frobnicate/ x; };", "x.dts:2:5: unknown directive '/frobnicate/'");
        assertError("/dts-v1/;\n/ { /bits/ 8 <1>; };", "x.dts:2:5: /bits/ is not allowed inside a node");
        assertError("/dts-v1/;\n/ { };\n/memreserve/ 0 1;", "x.dts:3:1: /memreserve/ must come before the first node");
        assertError("/dts-v1/;\n/ { };\n/dts-v1/;", "x.dts:3:1: '/dts-v1/;' must come before everything else");
    }

    @Test
    void misplacedStatements() {
        assertError("/dts-v1/;\n/ {\n\ta { };\n\tp = <1>;\n};",
            "x.dts:4:2: property 'p' follows a child node: properties must come before child nodes");
        assertError("/dts-v1/;\n&a { };\n/ { };", "x.dts:2:1: the first node block must be the root '/ { ... };', found '&a'");
        assertError("/dts-v1/;\n/ { };\n/delete-node/ a;",
            "x.dts:3:15: at top level /delete-node/ takes a reference (/delete-node/ &label;), found 'a'");
        assertError("/dts-v1/;\n/ { /delete-node/ &a; };",
            "x.dts:2:19: inside a node /delete-node/ takes a child name; use /delete-node/ &label; at top level");
        assertError("/dts-v1/;\n/ { };\n/delete-node/ &{/};", "x.dts:3:15: the root node cannot be deleted");
        assertError("/dts-v1/;\nl: / { };", "x.dts:2:1: a label cannot be placed on the root node '/'");
        assertError("/dts-v1/;\n/ { l: /delete-node/ a; };", "x.dts:2:5: a label cannot be placed on /delete-node/");
        assertError("/dts-v1/;\n", "x.dts:2:1: no root node: a DTS file needs '/ { ... };'");
        assertError("/dts-v1/;\n/ { };\nfoo", "x.dts:3:1: expected '/ {', '&label {' or '/delete-node/ &label;' at"
            + " top level, found 'foo'");
        assertError("/dts-v1/;\n/ { = <1>; };", "x.dts:2:5: expected a property or child node name, found '='");
    }

    @Test
    void badNames() {
        assertError("/dts-v1/;\n/ { a#b { }; };", "x.dts:2:6: invalid character '#' in node name 'a#b'");
        assertError("/dts-v1/;\n/ { a@1@2 { }; };", "x.dts:2:8: invalid character '@' in node name 'a@1@2'");
        assertError("/dts-v1/;\n/ { @1 { }; };", "x.dts:2:5: node name '@1' has an empty base name before '@'");
        assertError("/dts-v1/;\n/ { a@b = <1>; };", "x.dts:2:6: invalid character '@' in property name 'a@b'");
        assertError("/dts-v1/;\n/ { my-label: n { }; };", "x.dts:2:5: invalid label 'my-label': labels are"
            + " letters, digits and '_', not starting with a digit, followed directly by ':'");
    }

    @Test
    void badNumbersAndCells() {
        assertError("/dts-v1/;\n/ { a = <0x1g>; };", "x.dts:2:10: bad integer literal '0x1g'");
        assertError("/dts-v1/;\n/ { a = <08>; };", "x.dts:2:10: bad integer literal '08' (a leading 0 makes it octal)");
        assertError("/dts-v1/;\n/ { a = <0x10000000000000000>; };",
            "x.dts:2:10: integer literal '0x10000000000000000' does not fit in 64 bits");
        assertError("/dts-v1/;\n/ { a = <1 + 2>; };",
            "x.dts:2:12: expected a cell value or '>', found '+': write expressions in parentheses, e.g. <(1 + 2)>");
        assertError("/dts-v1/;\n/ { a = <(1 / (2 - 2))>; };", "x.dts:2:15: division by zero");
        assertError("/dts-v1/;\n/ { a = <(1 + 2 3>; };", "x.dts:2:17: expected ')' to close '(' at 2:10, found '3'");
        assertError("/dts-v1/;\n/ { a = <0x100000000>; };", "x.dts:2:10: value 0x100000000 does not fit in 32 bits");
        assertError("/dts-v1/;\n/ { a = /bits/ 8 <256>; };", "x.dts:2:19: value 0x100 does not fit in 8 bits");
        assertError("/dts-v1/;\n/ { a = /bits/ 12 <1>; };", "x.dts:2:16: /bits/ 12: array elements must be 8, 16, 32 or 64 bits");
        assertError("/dts-v1/;\n/ { a = /bits/ 64 <&n>; n: n { }; };", "x.dts:2:20: a phandle reference needs"
            + " 32-bit cells, not /bits/ 64");
        assertError("/dts-v1/;\n/ { a = [123]; };", "x.dts:2:10: odd number of hex digits in byte string: '123'");
        assertError("/dts-v1/;\n/ { a = <'ab'>; };", "x.dts:2:10: character literal has 2 bytes instead of 1");
        assertError("/dts-v1/;\n/ { a = <''>; };", "x.dts:2:10: empty character literal");
        assertError("/dts-v1/;\n/ { a = \"\\x\"; };", "x.dts:2:10: \\x used with no following hex digits");
        assertError("/dts-v1/;\n/ { a = ; };", "x.dts:2:9: expected a property value (\"string\", <cells>, /bits/ N"
            + " <cells>, [bytes] or &label), found ';'");
        assertError("/dts-v1/;\n/ { a = <x>; };", "x.dts:2:10: expected a cell value (number, 'c', (expression) or"
            + " &label) or '>', found 'x'");
    }

    @Test
    void badPhandles() {
        assertError("/dts-v1/;\n/ { a { phandle = <1>; }; b { phandle = <1>; }; };",
            "x.dts:2:31: phandle 0x1 of /b is already used by /a");
        assertError("/dts-v1/;\n/ { a { phandle = <0>; }; };", "x.dts:2:9: 'phandle' of /a has the reserved value 0x0");
        assertError("/dts-v1/;\n/ { a { phandle = <1 2>; }; };", "x.dts:2:9: 'phandle' of /a must be one 32-bit cell, not 8 bytes");
        assertError("/dts-v1/;\n/ { b: b { }; a { phandle = <&b>; }; };",
            "x.dts:2:19: 'phandle' of /a must be a number, not a reference to another node");
        assertError("/dts-v1/;\n/ { a { phandle = <1>; linux,phandle = <2>; }; };",
            "x.dts:2:24: 'linux,phandle' <0x2> of /a differs from its 'phandle' <0x1>");
    }

    @Test
    void includeErrors() {
        Map<String, String> files = Map.of(
            "dir/top.dts", "/dts-v1/;\n/include/ \"a.dtsi\"\n",
            "dir/a.dtsi", "/ {\n\tok;\n\tbroken = <1>\n};\n",
            "dir/loop.dtsi", "/include/ \"loop.dtsi\"\n");
        IncludeResolver r = IncludeResolver.inMemory(files);
        assertError(() -> DtsParser.parse(files.get("dir/top.dts"), "dir/top.dts", r),
            "dir/a.dtsi:3:14: expected ';' after property 'broken'");
        assertError(() -> DtsParser.parse("/dts-v1/;\n/include/ \"nope.dtsi\"", "dir/top.dts", r),
            "dir/top.dts:2:1: cannot find /include/ file 'nope.dtsi'");
        assertError(() -> DtsParser.parse("/dts-v1/;\n/include/ \"loop.dtsi\"", "dir/top.dts", r),
            "dir/loop.dtsi:1:1: recursive /include/ of 'dir/loop.dtsi'");
        assertError(() -> DtsParser.parse("/dts-v1/;\n/include/ nope.dtsi", "dir/top.dts", r),
            "dir/top.dts:2:11: expected a quoted file name after /include/, found 'nope.dtsi'");
        assertError(() -> DtsParser.parse("/dts-v1/;\n/include/ \"x\"", "t.dts"), "t.dts:2:1: cannot find /include/ file 'x'");
    }

    @Test
    void nestingBeyondTheKernelLimit() {
        StringBuilder s = new StringBuilder("/dts-v1/;\n/ {");
        for (int i = 1; i < Fdt.MAX_DEPTH; i++) {
            s.append("n{");
        }
        int column = s.length() - "/dts-v1/;\n".length() + 1;
        s.append("deep { }; };");
        assertError(s.toString(), "x.dts:2:" + column + ": nodes nested deeper than 64 levels");
        String parens = "(".repeat(500) + "1" + ")".repeat(500);
        assertError("/dts-v1/;\n/ { a = <" + parens + ">; };", "x.dts:2:210: expression nested deeper than 200 levels");
    }

    private static void assertError(String text, String expected) {
        assertError(() -> DtsParser.parse(text, "x.dts"), expected);
    }

    private static void assertError(org.junit.jupiter.api.function.Executable parse, String expected) {
        DeviceTreeException e = assertThrows(DeviceTreeException.class, parse);
        assertEquals(expected, e.getMessage());
    }
}
