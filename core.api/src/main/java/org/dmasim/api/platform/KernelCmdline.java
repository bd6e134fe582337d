package org.dmasim.api.platform;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The kernel command line split into parameters the way {@code next_arg()} in
 * {@code lib/cmdline.c} does: whitespace separates, double quotes group, the first {@code =}
 * splits name from value. Parameter names compare with {@code -} and {@code _} equal.
 * {@code parse_args()} stops at a bare {@code --}: what follows is for init, so
 * {@link #params()} ends there while {@link #raw()} keeps the whole line.
 *
 * <p>{@link #boot(String)} is the line as the kernel holds it: a bootloader copies it into
 * {@code boot_command_line[COMMAND_LINE_SIZE]} (2048 bytes on arm64 and x86), so at most 2047
 * bytes and the NUL arrive; the rest is lost without a word.
 */
public final class KernelCmdline {
    /** {@code COMMAND_LINE_SIZE} of arm64 ({@code uapi/asm/setup.h}) and x86 ({@code asm/setup.h}). */
    public static final int COMMAND_LINE_SIZE = 2048;

    /** One parameter; {@code value} is null for a bare word such as {@code nokaslr}. */
    public record Param(String name, String value) {
    }

    private final String raw;
    private final List<Param> params;
    private final int givenBytes;

    private KernelCmdline(String raw, List<Param> params, int givenBytes) {
        this.raw = raw;
        this.params = List.copyOf(params);
        this.givenBytes = givenBytes;
    }

    /**
     * The command line a bootloader hands over: cut to {@code COMMAND_LINE_SIZE - 1} bytes of
     * UTF-8 (a character split by the cut is dropped whole) and then parsed.
     */
    public static KernelCmdline boot(String given) {
        String s = given == null ? "" : given;
        byte[] bytes = s.getBytes(StandardCharsets.UTF_8);
        if (bytes.length < COMMAND_LINE_SIZE) {
            return parse(s);
        }
        int keep = COMMAND_LINE_SIZE - 1;
        while (keep > 0 && (bytes[keep] & 0xc0) == 0x80) {
            keep--; // bytes[keep] continues a character that started before the cut
        }
        KernelCmdline cut = parse(new String(bytes, 0, keep, StandardCharsets.UTF_8));
        return new KernelCmdline(cut.raw, cut.params, bytes.length);
    }

    public static KernelCmdline parse(String raw) {
        String s = raw == null ? "" : raw;
        List<Param> out = new ArrayList<>();
        int i = 0;
        int n = s.length();
        while (i < n) {
            while (i < n && Character.isWhitespace(s.charAt(i))) {
                i++;
            }
            if (i >= n) {
                break;
            }
            boolean inQuote = false;
            int start = i;
            int equals = -1;
            for (; i < n; i++) {
                char c = s.charAt(i);
                if (Character.isWhitespace(c) && !inQuote) {
                    break;
                }
                if (equals < 0 && c == '=') {
                    equals = i;
                }
                if (c == '"') {
                    inQuote = !inQuote;
                }
            }
            String word = s.substring(start, i);
            String name = equals < 0 ? word : s.substring(start, equals);
            String value = equals < 0 ? null : s.substring(equals + 1, i);
            name = name.replace("\"", "");
            if (value != null && value.length() >= 2 && value.startsWith("\"") && value.endsWith("\"")) {
                value = value.substring(1, value.length() - 1);
            }
            if (value == null && name.equals("--")) {
                break;
            }
            out.add(new Param(name, value));
        }
        return new KernelCmdline(s.trim(), out, -1);
    }

    /** Whether {@link #boot(String)} had to cut the line to fit {@code COMMAND_LINE_SIZE}. */
    public boolean wasCut() {
        return givenBytes >= 0;
    }

    /** The length in bytes of the line as given, before the cut (when {@link #wasCut()}). */
    public int givenBytes() {
        return wasCut() ? givenBytes : raw.getBytes(StandardCharsets.UTF_8).length;
    }

    public String raw() {
        return raw;
    }

    public List<Param> params() {
        return params;
    }

    private static boolean sameName(String a, String b) {
        return a.replace('-', '_').equals(b.replace('-', '_'));
    }

    /** All values given for {@code name}, in order (early_param handlers see every one). */
    public List<Param> all(String name) {
        List<Param> out = new ArrayList<>();
        for (Param p : params) {
            if (sameName(p.name(), name)) {
                out.add(p);
            }
        }
        return out;
    }

    /** The last occurrence wins, as for every early parameter dmasim models. */
    public Optional<Param> last(String name) {
        List<Param> all = all(name);
        return all.isEmpty() ? Optional.empty() : Optional.of(all.get(all.size() - 1));
    }

    public Optional<String> value(String name) {
        return last(name).map(p -> p.value() == null ? "" : p.value());
    }

    public boolean has(String name) {
        return last(name).isPresent();
    }

    @Override
    public String toString() {
        return raw;
    }
}
