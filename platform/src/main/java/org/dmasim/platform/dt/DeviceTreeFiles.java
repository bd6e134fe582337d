package org.dmasim.platform.dt;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;

import org.dmasim.api.dt.DeviceTree;
import org.dmasim.api.dt.DeviceTreeException;

/**
 * Loads a device tree file, DTB or DTS, chosen by content (the 0xd00dfeed magic) rather than by
 * extension: QEMU's {@code dumpdtb} and firmware dumps often have none. Every failure, including
 * a missing file, is a {@link DeviceTreeException} whose message starts with the path.
 */
public final class DeviceTreeFiles {
    private DeviceTreeFiles() {
    }

    public static DeviceTree load(Path file) {
        String name = file.toString();
        if (Files.isDirectory(file)) {
            throw new DeviceTreeException(name + ": is a directory, not a device tree file");
        }
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(file);
        } catch (NoSuchFileException e) {
            throw new DeviceTreeException(name + ": no such file");
        } catch (AccessDeniedException e) {
            throw new DeviceTreeException(name + ": permission denied");
        } catch (IOException e) {
            throw new DeviceTreeException(name + ": cannot read: " + e.getMessage(), e);
        }
        if (Fdt.startsWithMagic(bytes)) {
            return DtbParser.parse(bytes, name);
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
        return DtsParser.parse(text, name, new FileSystemIncludeResolver());
    }
}
