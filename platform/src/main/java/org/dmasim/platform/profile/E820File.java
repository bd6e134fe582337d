package org.dmasim.platform.profile;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.dmasim.api.platform.E820Entry;
import org.dmasim.api.platform.InvalidInputException;

/**
 * An e820 map pasted from a real dmesg: {@code BIOS-e820: [mem 0xSTART-0xEND] TYPE} per line,
 * inclusive ends, an optional {@code [    0.000000] } timestamp; blank and {@code #} lines skipped.
 */
public final class E820File {
    private static final Pattern LINE = Pattern.compile(
        "^(?:\\[\\s*[0-9.]+\\]\\s*)?BIOS-e820: \\[mem (0x[0-9a-fA-F]+)-(0x[0-9a-fA-F]+)\\] (.+)$");

    private E820File() {
    }

    public static List<E820Entry> parse(String text, String source) {
        List<E820Entry> out = new ArrayList<>();
        String[] lines = text.split("\n", -1);
        for (int i = 0; i < lines.length; i++) {
            String line = lines[i].strip();
            if (line.isEmpty() || line.startsWith("#")) {
                continue;
            }
            Matcher m = LINE.matcher(line);
            if (!m.matches()) {
                throw new InvalidInputException(source + ":" + (i + 1) + ": not an e820 line (expected"
                    + " 'BIOS-e820: [mem 0x0000000000000000-0x000000000009fbff] usable'): '" + line + "'");
            }
            long start = Long.parseUnsignedLong(m.group(1).substring(2), 16);
            long end = Long.parseUnsignedLong(m.group(2).substring(2), 16);
            try {
                out.add(new E820Entry(start, end, E820Entry.Type.parse(m.group(3))));
            } catch (InvalidInputException e) {
                throw new InvalidInputException(source + ":" + (i + 1) + ": " + e.getMessage());
            }
        }
        if (out.isEmpty()) {
            throw new InvalidInputException(source + ": no BIOS-e820 lines");
        }
        return out;
    }
}
