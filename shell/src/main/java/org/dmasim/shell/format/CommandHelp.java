package org.dmasim.shell.format;

import java.lang.annotation.Annotation;
import java.lang.reflect.Method;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import org.apache.felix.gogo.runtime.CommandProxy;
import org.apache.felix.service.command.CommandSession;
import org.apache.felix.service.command.Descriptor;
import org.apache.felix.service.command.Parameter;

/**
 * What a user can learn about the shell's commands: one-line descriptions, usage lines and
 * parameter descriptions read from the commands' Gogo annotations ({@link Descriptor} on the
 * method and its parameters, {@link Parameter} for options). {@link HelpText} renders them,
 * {@link CommandSuggestions} finds the ones closest to a mistyped name.
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

}
