package org.dmasim.platform.dt;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

import org.dmasim.api.dt.DeviceTree;
import org.dmasim.api.dt.DeviceTreeException;

/**
 * Loads a device tree file, DTB or DTS, chosen by content (the 0xd00dfeed magic) rather than by
 * extension: QEMU's {@code dumpdtb} and firmware dumps often have none. Every failure, including
 * a missing file, is a {@link DeviceTreeException} whose message starts with the path. A tree
 * that loads is then held to the rules the kernel's address code relies on ({@link OfChecks}).
 */
public final class DeviceTreeFiles {
    private DeviceTreeFiles() {
    }

    /** Whether {@code bytes} are a DTB (they start with the FDT magic) rather than DTS text. */
    public static boolean isDtb(byte[] bytes) {
        return Fdt.startsWithMagic(bytes);
    }

    public static DeviceTree load(Path file) {
        byte[] bytes;
        try {
            bytes = InputFiles.read(file);
        } catch (InputFiles.UnreadableException e) {
            throw new DeviceTreeException(e.getMessage());
        }
        return load(bytes, file.toString(), new FileSystemIncludeResolver());
    }

    /**
     * A device tree from the bytes of a file named {@code name}; a DTS resolves its
     * {@code /include/}s with {@code includes}.
     */
    public static DeviceTree load(byte[] bytes, String name, IncludeResolver includes) {
        if (Fdt.startsWithMagic(bytes)) {
            DeviceTree tree = DtbParser.parse(bytes, name);
            OfChecks.check(tree, name, bytes.length, OfChecks.Locator.of(name));
            return tree;
        }
        String text;
        try {
            text = StandardCharsets.UTF_8.newDecoder()
                .onMalformedInput(CodingErrorAction.REPORT)
                .onUnmappableCharacter(CodingErrorAction.REPORT)
                .decode(ByteBuffer.wrap(bytes)).toString();
        } catch (CharacterCodingException e) {
            throw new DeviceTreeException(name + ": neither a DTB (no 0xd00dfeed magic) nor UTF-8 DTS text");
        }
        DtsParser.Parsed parsed = DtsParser.parseWithPositions(text, name, includes);
        OfChecks.check(parsed.tree(), name, DtbWriter.write(parsed.tree()).length, parsed.locator());
        return parsed.tree();
    }
}
