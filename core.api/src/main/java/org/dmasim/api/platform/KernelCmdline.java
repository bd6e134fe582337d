package org.dmasim.api.platform;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The kernel command line split into parameters the way {@code next_arg()} in
 * {@code lib/cmdline.c} does: whitespace separates, double quotes group, the first {@code =}
 * splits name from value. Parameter names compare with {@code -} and {@code _} equal.
 */
public final class KernelCmdline {
    /** One parameter; {@code value} is null for a bare word such as {@code nokaslr}. */
    public record Param(String name, String value) {
    }

    private final String raw;
    private final List<Param> params;

    private KernelCmdline(String raw, List<Param> params) {
        this.raw = raw;
        this.params = List.copyOf(params);
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
            out.add(new Param(name, value));
        }
        return new KernelCmdline(s.trim(), out);
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
