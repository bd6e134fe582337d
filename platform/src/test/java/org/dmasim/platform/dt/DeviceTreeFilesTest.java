package org.dmasim.platform.dt;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

import org.dmasim.api.dt.DeviceTree;
import org.dmasim.api.dt.DeviceTreeException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DeviceTreeFilesTest {
    @TempDir
    Path dir;

    @Test
    void picksTheFormatByContentNotExtension() throws IOException {
        Path blobNamedDts = Files.write(dir.resolve("really-a-blob.dts"), Fixtures.bytes("merge.dtb"));
        Path textNamedDtb = Files.writeString(dir.resolve("really-text.dtb"), Fixtures.text("merge.dts"));
        Path noExtension = Files.write(dir.resolve("dumpdtb"), Fixtures.bytes("merge.dtb"));
        DeviceTree expected = Fixtures.dtb("merge");
        TreeAssert.assertTreesEqual(expected, DeviceTreeFiles.load(blobNamedDts));
        TreeAssert.assertTreesEqual(expected, DeviceTreeFiles.load(textNamedDtb));
        TreeAssert.assertTreesEqual(expected, DeviceTreeFiles.load(noExtension));
    }

    @Test
    void resolvesIncludesNextToTheFile() throws IOException {
        Path boards = Files.createDirectories(dir.resolve("boards"));
        Files.writeString(boards.resolve("features.dts"), Fixtures.text("features.dts"));
        Files.writeString(boards.resolve("features-soc.dtsi"), Fixtures.text("features-soc.dtsi"));
        TreeAssert.assertTreesEqual(Fixtures.dtb("features"), DeviceTreeFiles.load(boards.resolve("features.dts")));
    }

    @Test
    void searchDirectoriesAreTriedAfterTheIncludingFilesDirectory() throws IOException {
        Path common = Files.createDirectories(dir.resolve("common"));
        Files.writeString(common.resolve("x.dtsi"), "/ { from-common; };");
        Path top = Files.writeString(dir.resolve("top.dts"), "/dts-v1/;\n/include/ \"x.dtsi\"\n");
        DeviceTree t = DtsParser.parse(Files.readString(top), top.toString(),
            new FileSystemIncludeResolver(java.util.List.of(common)));
        assertTrue(t.root().has("from-common"));
    }

    @Test
    void errorsNameTheFile() throws IOException {
        Path missing = dir.resolve("missing.dtb");
        assertError(missing + ": no such file", missing);
        assertError(dir + ": is a directory, not a file", dir);

        Path corrupt = Files.write(dir.resolve("corrupt.dtb"),
            FdtBuilder.withU32(Fixtures.bytes("merge.dtb"), Fdt.OFF_TOTALSIZE, 0x10000));
        assertError(corrupt + ": offset 0x4: totalsize 0x10000 runs past the end of the 0x15f-byte blob (truncated?)",
            corrupt);

        Path badDts = Files.writeString(dir.resolve("board.dts"), "/dts-v1/;\n/ {\n\treg = <1>\n};\n");
        assertError(badDts + ":3:11: expected ';' after property 'reg'", badDts);

        Path binary = Files.write(dir.resolve("garbage.bin"), new byte[] {(byte) 0xff, (byte) 0xfe, 0, 1});
        assertError(binary + ": neither a DTB (no 0xd00dfeed magic) nor UTF-8 DTS text", binary);

        Path includer = Files.writeString(dir.resolve("inc.dts"), "/dts-v1/;\n/include/ \"gone.dtsi\"\n",
            StandardCharsets.UTF_8);
        assertError(includer + ":2:1: cannot find /include/ file 'gone.dtsi'", includer);
    }

    private static void assertError(String expected, Path file) {
        DeviceTreeException e = assertThrows(DeviceTreeException.class, () -> DeviceTreeFiles.load(file));
        assertEquals(expected, e.getMessage());
    }
}
