package org.dmasim.shell.format;

import java.lang.annotation.Annotation;
import java.lang.reflect.Method;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import org.apache.felix.gogo.runtime.CommandProxy;
import org.apache.felix.service.command.CommandSession;
import org.apache.felix.service.command.Descriptor;
import org.apache.felix.service.command.Parameter;

/**
 * What a user can learn about the shell's commands: one-line descriptions, usage lines and
 * parameter descriptions read from the commands' Gogo annotations ({@link Descriptor} on the
 * method and its parameters, {@link Parameter} for options), and the commands closest to a
 * mistyped name.
 *
 * <p>Positional parameters are named after the Java parameter (the shell bundle is compiled
 * with {@code -parameters}): {@code device} shows as {@code DEVICE}. Overloads whose
 * positional lists extend one another merge into one usage line with optional tails
 * ({@code DEVICE SIZE GFP [ATTRS]}).
 */
public final class CommandHelp {
    /** Package prefix of the command classes that count as dmasim's own. */
    private static final String DMASIM_PACKAGE = "org.dmasim.";

    /** One command, all its overloads. */
    public record Command(String scope, String name, String description, List<Signature> signatures,
        boolean dmasim) {
        /** The console's own plumbing ({@code dmasim:__complete}): never listed or suggested. */
        public boolean hidden() {
            return dmasim && name.startsWith("__") && scope.equals("dmasim");
        }

        /** {@code scope:name}. */
        public String qualified() {
            return scope + ":" + name;
        }

        /** The usage lines, one per signature that is not covered by a longer one. */
        public List<String> usages() {
            List<String> out = new ArrayList<>();
            for (Signature s : merged()) {
                out.add(s.usage(qualified()));
            }
            return out;
        }

        /** The signatures, overloads that extend one another merged into one with optional tails. */
        List<Signature> merged() {
            List<Signature> sorted = new ArrayList<>(signatures);
            sorted.sort(Comparator.comparingInt((Signature s) -> s.positional().size()));
            List<Signature> out = new ArrayList<>();
            for (Signature s : sorted) {
                Signature extended = null;
                for (int i = 0; i < out.size() && extended == null; i++) {
                    Signature shorter = out.get(i);
                    if (shorter.isPrefixOf(s)) {
                        extended = shorter.extendedBy(s);
                        out.set(i, extended);
                    }
                }
                if (extended == null) {
                    out.add(s);
                }
            }
            return out;
        }
    }

    /** One positional parameter: its name as shown ({@code DEVICE}) and its description. */
    public record Param(String name, String description) {
    }

    /** One option ({@code -p, --platform PLATFORM}); {@code value} is null for a flag. */
    public record Option(List<String> names, String value, String description) {
        String usage() {
            return "[" + names.get(0) + (value == null ? "" : " " + value) + "]";
        }
    }

    /**
     * One overload: its positional parameters, the first {@code required} of which must be
     * given, and its options.
     */
    public record Signature(List<Param> positional, int required, List<Option> options) {
        boolean isPrefixOf(Signature longer) {
            if (positional.size() > longer.positional.size() || required != positional.size()) {
                return false;
            }
            for (int i = 0; i < positional.size(); i++) {
                if (!positional.get(i).name().equals(longer.positional.get(i).name())) {
                    return false;
                }
            }
            return true;
        }

        /**
         * The longer signature with this one's required count; parameters and options by name,
         * the described one kept.
         */
        Signature extendedBy(Signature longer) {
            java.util.Map<List<String>, Option> options = new java.util.LinkedHashMap<>();
            for (Option o : this.options) {
                options.put(o.names(), o);
            }
            for (Option o : longer.options) {
                options.merge(o.names(), o, (a, b) -> a.description().isEmpty() ? b : a);
            }
            List<Param> positional = new ArrayList<>(longer.positional);
            for (int i = 0; i < this.positional.size(); i++) {
                if (positional.get(i).description().isEmpty()) {
                    positional.set(i, this.positional.get(i));
                }
            }
            return new Signature(List.copyOf(positional), required, List.copyOf(options.values()));
        }

        String usage(String command) {
            StringBuilder sb = new StringBuilder(command);
            for (int i = 0; i < positional.size(); i++) {
                sb.append(' ').append(i < required ? positional.get(i).name() : "[" + positional.get(i).name() + "]");
            }
            for (Option o : options) {
                sb.append(' ').append(o.usage());
            }
            return sb.toString();
        }
    }

    private CommandHelp() {
    }

    /** Every command the session knows, dmasim's first (by scope, then name), then the others by name. */
    public static List<Command> commands(CommandSession session) {
        List<Command> out = new ArrayList<>();
        for (String qualified : commandNames(session)) {
            describe(session, qualified).ifPresent(out::add);
        }
        out.sort(Comparator.comparing((Command c) -> !c.dmasim()).thenComparing(c -> c.dmasim() ? c.scope() : "")
            .thenComparing(Command::name).thenComparing(Command::scope));
        return out;
    }

    /** The {@code scope:name} of every command the session can run. */
    @SuppressWarnings("unchecked")
    public static Set<String> commandNames(CommandSession session) {
        Object names = session == null ? null : session.get(".commands");
        return names instanceof Collection<?> c ? new TreeSet<>((Collection<String>) c) : Set.of();
    }

    /**
     * The command a user means by {@code typed}: {@code scope:name} exactly, or a bare name
     * (dmasim's own command of that name first).
     */
    public static Optional<Command> find(CommandSession session, String typed) {
        String wanted = typed.toLowerCase(Locale.ROOT);
        List<String> matches = new ArrayList<>();
        for (String qualified : commandNames(session)) {
            if (qualified.equals(wanted) || qualified.substring(qualified.indexOf(':') + 1).equals(wanted)) {
                matches.add(qualified);
            }
        }
        Optional<Command> other = Optional.empty();
        for (String q : matches) {
            Optional<Command> c = describe(session, q);
            if (c.isPresent() && c.get().dmasim()) {
                return c;
            }
            other = other.or(() -> c);
        }
        return other;
    }

    /**
     * The known command names closest to {@code typed} (compared with and without scope): the
     * ones at the smallest edit distance, at most three, if that distance is within a limit that
     * grows with the name's length.
     */
    public static List<String> suggestions(String typed, Collection<String> qualifiedNames) {
        String t = typed.toLowerCase(Locale.ROOT);
        boolean scoped = t.indexOf(':') >= 0;
        int limit = Math.max(1, t.length() / 3);
        record Scored(String name, int distance) {
        }
        List<Scored> scored = new ArrayList<>();
        for (String q : qualifiedNames) {
            String bare = q.substring(q.indexOf(':') + 1);
            int d = scoped ? distance(t, q) : Math.min(distance(t, bare), distance(t, q));
            if (!(q.startsWith("dmasim:__") || q.startsWith("gogo:__")) && d <= limit) {
                scored.add(new Scored(q, d));
            }
        }
        int best = scored.stream().mapToInt(Scored::distance).min().orElse(0);
        return scored.stream().filter(s -> s.distance() == best).map(Scored::name).sorted().limit(3)
            .collect(Collectors.toList());
    }

    /** {@code " (did you mean a or b?)"}, or "" when nothing is close. */
    public static String didYouMean(String typed, Collection<String> qualifiedNames) {
        List<String> s = suggestions(typed, qualifiedNames);
        return s.isEmpty() ? "" : " (did you mean " + String.join(" or ", s) + "?)";
    }

    /** Optimal string alignment distance: insertions, deletions, substitutions and swaps of neighbours. */
    static int distance(String a, String b) {
        int[][] d = new int[a.length() + 1][b.length() + 1];
        for (int i = 0; i <= a.length(); i++) {
            d[i][0] = i;
        }
        for (int j = 0; j <= b.length(); j++) {
            d[0][j] = j;
        }
        for (int i = 1; i <= a.length(); i++) {
            for (int j = 1; j <= b.length(); j++) {
                int cost = a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1;
                d[i][j] = Math.min(Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1), d[i - 1][j - 1] + cost);
                if (i > 1 && j > 1 && a.charAt(i - 1) == b.charAt(j - 2) && a.charAt(i - 2) == b.charAt(j - 1)) {
                    d[i][j] = Math.min(d[i][j], d[i - 2][j - 2] + 1);
                }
            }
        }
        return d[a.length()][b.length()];
    }

    /** The command registered as {@code scope:name}, read from its target's methods. */
    static Optional<Command> describe(CommandSession session, String qualified) {
        int colon = qualified.indexOf(':');
        if (colon < 0 || !(session.get(qualified) instanceof CommandProxy proxy)) {
            return Optional.empty();
        }
        Object target = proxy.getTarget();
        try {
            if (target == null) {
                return Optional.empty();
            }
            return Optional.of(describe(target.getClass(), qualified.substring(0, colon),
                qualified.substring(colon + 1)));
        } finally {
            proxy.ungetTarget();
        }
    }

    /** The command {@code name} of a command class, registered in {@code scope}. */
    public static Command describe(Class<?> type, String scope, String name) {
        String description = null;
        List<Signature> signatures = new ArrayList<>();
        List<Method> methods = new ArrayList<>();
        for (Method m : type.getMethods()) {
            if (m.getName().equalsIgnoreCase(name) || m.getName().equalsIgnoreCase("_" + name)) {
                methods.add(m);
            }
        }
        methods.sort(Comparator.comparingInt(Method::getParameterCount));
        for (Method m : methods) {
            Descriptor d = m.getAnnotation(Descriptor.class);
            if (description == null && d != null) {
                description = d.value();
            }
            signatures.add(signature(m));
        }
        return new Command(scope, name, description == null ? "" : description, signatures,
            type.getName().startsWith(DMASIM_PACKAGE));
    }

    private static Signature signature(Method m) {
        List<Param> positional = new ArrayList<>();
        List<Option> options = new ArrayList<>();
        Annotation[][] annotations = m.getParameterAnnotations();
        java.lang.reflect.Parameter[] params = m.getParameters();
        for (int i = 0; i < params.length; i++) {
            if (CommandSession.class.isAssignableFrom(params[i].getType())) {
                continue;
            }
            Parameter option = find(annotations[i], Parameter.class);
            Descriptor d = find(annotations[i], Descriptor.class);
            String description = d == null ? "" : d.value();
            String shown = params[i].isNamePresent() ? params[i].getName().toUpperCase(Locale.ROOT)
                : "ARG" + (positional.size() + 1);
            if (option != null) {
                boolean flag = !Parameter.UNSPECIFIED.equals(option.presentValue());
                options.add(new Option(List.of(option.names()), flag ? null : shown, description));
            } else {
                positional.add(new Param(shown, description));
            }
        }
        return new Signature(positional, positional.size(), options);
    }

    private static <T extends Annotation> T find(Annotation[] annotations, Class<T> type) {
        for (Annotation a : annotations) {
            if (type.isInstance(a)) {
                return type.cast(a);
            }
        }
        return null;
    }

    /** {@code help}: dmasim's commands by scope with their descriptions, then the other commands' names. */
    public static String overview(List<Command> commands) {
        StringBuilder sb = new StringBuilder("dmasim commands (help NAME shows a command's parameters):\n");
        int width = commands.stream().filter(Command::dmasim).mapToInt(c -> c.qualified().length()).max().orElse(0);
        for (Command c : commands) {
            if (!c.dmasim() || c.hidden()) {
                continue;
            }
            sb.append(String.format("  %-" + width + "s  %s%n", c.qualified(), firstLine(c.description())));
        }
        List<String> others = commands.stream().filter(c -> !c.dmasim() && !c.name().startsWith("_"))
            .map(Command::name).distinct().sorted().toList();
        if (!others.isEmpty()) {
            sb.append("\nGogo shell commands: ").append(wrap(String.join(" ", others), 78, "  ")).append('\n');
        }
        sb.append("\nexit or quit leaves the shell (Ctrl-D too); numbers: 4096, 0x1000 or 4K; GFP flags joined by"
            + " ',' or '+'.");
        return sb.toString();
    }

    /** {@code help NAME}: description, usage lines, parameters and options. */
    public static String detail(Command c) {
        StringBuilder sb = new StringBuilder();
        sb.append(c.qualified()).append(" - ").append(c.description().isEmpty() ? "(no description)" : c.description())
            .append('\n');
        List<Signature> merged = c.merged();
        for (int i = 0; i < merged.size(); i++) {
            sb.append(i == 0 ? "usage: " : "       ").append(merged.get(i).usage(c.qualified())).append('\n');
        }
        Set<String> seen = new LinkedHashSet<>();
        List<String[]> rows = new ArrayList<>();
        for (Signature s : merged) {
            for (Param p : s.positional()) {
                if (seen.add(p.name())) {
                    rows.add(new String[] {p.name(), p.description()});
                }
            }
            for (Option o : s.options()) {
                String names = String.join(", ", o.names()) + (o.value() == null ? "" : " " + o.value());
                if (seen.add(names)) {
                    rows.add(new String[] {names, o.description()});
                }
            }
        }
        int width = rows.stream().mapToInt(r -> r[0].length()).max().orElse(0);
        for (String[] r : rows) {
            sb.append(String.format("  %-" + width + "s  %s", r[0], r[1]).stripTrailing()).append('\n');
        }
        return sb.toString().stripTrailing();
    }

    /** {@code usage: ...} lines of a command, joined with newlines. */
    public static String usage(Command c) {
        return c.usages().stream().map(u -> "usage: " + u).collect(Collectors.joining("\n"));
    }

    private static String firstLine(String s) {
        int nl = s.indexOf('\n');
        return nl < 0 ? s : s.substring(0, nl);
    }

    private static String wrap(String words, int width, String indent) {
        StringBuilder sb = new StringBuilder();
        int column = 21;
        for (String w : words.split(" ")) {
            if (column + w.length() + 1 > width) {
                sb.append('\n').append(indent);
                column = indent.length();
            } else if (sb.length() > 0) {
                sb.append(' ');
                column++;
            }
            sb.append(w);
            column += w.length();
        }
        return sb.toString();
    }
}
