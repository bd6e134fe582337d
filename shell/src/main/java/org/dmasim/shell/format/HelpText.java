package org.dmasim.shell.format;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import org.dmasim.shell.format.CommandHelp.Command;
import org.dmasim.shell.format.CommandHelp.Option;
import org.dmasim.shell.format.CommandHelp.Param;
import org.dmasim.shell.format.CommandHelp.Signature;

/** The text of {@code help}, {@code help NAME} and usage messages, from {@link CommandHelp}'s model. */
public final class HelpText {
    private HelpText() {
    }

    /**
     * {@code help}: dmasim's commands, each with its named parameters (the forms of an
     * overloaded command joined by {@code |}) and a line of description; then the other
     * commands' names.
     */
    public static String overview(List<Command> commands) {
        StringBuilder sb = new StringBuilder("dmasim commands (help NAME shows a command's parameters and options;\n"
            + "-p PLATFORM picks a platform when there are several):\n");
        for (Command c : commands) {
            if (!c.dmasim() || c.hidden()) {
                continue;
            }
            sb.append("  ").append(c.qualified()).append(positionals(c)).append('\n');
            sb.append("      ").append(firstLine(c.description())).append('\n');
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

    /** {@code " DEVICE SIZE GFP [ATTRS]"}, forms joined by {@code " |"}; options left to {@code help NAME}. */
    private static String positionals(Command c) {
        List<String> forms = new ArrayList<>();
        for (Signature s : c.merged()) {
            StringBuilder sb = new StringBuilder();
            for (int i = 0; i < s.positional().size(); i++) {
                String name = s.positional().get(i).name();
                sb.append(' ').append(i < s.required() ? name : "[" + name + "]");
            }
            forms.add(sb.toString());
        }
        return String.join(" |", forms);
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
