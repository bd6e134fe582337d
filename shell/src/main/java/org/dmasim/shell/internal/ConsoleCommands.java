package org.dmasim.shell.internal;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.TreeSet;
import org.apache.felix.service.command.CommandSession;
import org.apache.felix.service.command.Descriptor;
import org.dmasim.api.cma.CmaArea;
import org.dmasim.api.cma.CmaAreas;
import org.dmasim.api.device.DmaDevice;
import org.dmasim.api.dma.DmaApi;
import org.dmasim.api.dmapool.DmaPool;
import org.dmasim.api.dmapool.DmaPools;
import org.dmasim.api.mm.MmRules;
import org.dmasim.api.platform.Platform;
import org.dmasim.shell.format.CommandHelp;
import org.dmasim.shell.format.CommandSuggestions;
import org.dmasim.shell.format.HelpText;
import org.dmasim.shell.format.ProcView;
import org.dmasim.shell.format.TextDTO;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.component.annotations.ReferencePolicyOption;

/**
 * The shell's own help and the completion data Gogo's JLine console asks for. {@code help}
 * lists dmasim's commands first with their one-line descriptions; {@code help NAME} shows the
 * usage and parameters read from the command's annotations, or the closest names for a typo.
 *
 * <p>Completion the Gogo JLine way: {@code __declare_completions} runs the console's
 * {@code complete} command once per dmasim command (its description, its options, and one
 * argument completer); that completer, {@code __complete}, is given the words of the line and
 * offers what fits the parameter under the cursor, chosen by the parameter's name: device
 * names for {@code DEVICE}, GFP flag names for {@code GFP}, pool, area and platform names.
 */
@Component(service = ConsoleCommands.class, property = {
    "osgi.command.scope=dmasim",
    "osgi.command.function=help",
    "osgi.command.function=__complete",
    "osgi.command.function=__declare_completions"
})
public class ConsoleCommands {
    @Reference(name = "platform", cardinality = ReferenceCardinality.MULTIPLE,
        policy = ReferencePolicy.DYNAMIC, policyOption = ReferencePolicyOption.GREEDY)
    volatile List<Platform> platforms;

    @Descriptor("list the commands, dmasim's first, each with a one-line description")
    public TextDTO help(CommandSession session) {
        return TextDTO.of(null, "help", HelpText.overview(CommandHelp.commands(session)));
    }

    @Descriptor("show a command's description, usage and parameters")
    public TextDTO help(CommandSession session, @Descriptor("a command, with or without its scope") String command) {
        Optional<CommandHelp.Command> c = CommandHelp.find(session, command);
        if (c.isEmpty()) {
            throw new IllegalArgumentException("help: no command '" + command + "'"
                + CommandSuggestions.didYouMean(command, CommandHelp.commandNames(session)));
        }
        return TextDTO.of(null, "help " + command, HelpText.detail(c.get()));
    }

    /**
     * Declares every dmasim command to the console's {@code complete} command; does nothing
     * in a console without one (Gogo's plain shell).
     */
    @Descriptor("declare the dmasim commands' tab completions to the JLine console")
    public void __declare_completions(CommandSession session) throws Exception {
        if (!CommandHelp.commandNames(session).contains("gogo:complete")) {
            return;
        }
        for (CommandHelp.Command c : CommandHelp.commands(session)) {
            if (!c.dmasim() || c.hidden()) {
                continue;
            }
            session.put("__c", c.qualified());
            session.put("__d", c.description());
            session.execute("gogo:complete -c $__c -e");
            session.execute("gogo:complete -c $__c -d $__d");
            session.execute("gogo:complete -c $__c -a 'dmasim:__complete ($.commandLine words) ($.commandLine wordIndex)'");
            for (CommandHelp.Signature s : c.signatures()) {
                for (CommandHelp.Option o : s.options()) {
                    List<String> argv = new ArrayList<>(List.of("-c", c.qualified(), "-d", o.description()));
                    for (String name : o.names()) {
                        argv.add(name.startsWith("--") ? "-l" : "-s");
                        argv.add(name.replaceFirst("^--?", ""));
                    }
                    StringBuilder statement = new StringBuilder("gogo:complete");
                    for (int i = 0; i < argv.size(); i++) {
                        session.put("__a" + i, argv.get(i));
                        statement.append(" $__a").append(i);
                    }
                    session.execute(statement);
                }
            }
        }
        session.put("__c", null);
        session.put("__d", null);
        for (int i = 0; session.get("__a" + i) != null; i++) {
            session.put("__a" + i, null);
        }
    }

    /** Candidates for word {@code index} of {@code words} (the command is word 0). */
    @Descriptor("tab-completion candidates for the word under the cursor")
    public List<String> __complete(CommandSession session, List<Object> words, int index) {
        if (words.isEmpty() || index < 1 || index > words.size()) {
            return List.of();
        }
        List<String> w = words.stream().map(String::valueOf).toList();
        String previous = w.get(index - 1);
        if (previous.equals("-p") || previous.equals("--platform")) {
            return platformNames();
        }
        Optional<CommandHelp.Command> c = CommandHelp.find(session, w.get(0));
        if (c.isEmpty()) {
            return List.of();
        }
        String platform = "";
        int position = 0;
        for (int i = 1; i < index; i++) {
            if (w.get(i).equals("-p") || w.get(i).equals("--platform")) {
                platform = i + 1 < w.size() ? w.get(i + 1) : "";
                i++;
            } else if (!w.get(i).startsWith("-")) {
                position++;
            }
        }
        String current = index < w.size() ? w.get(index) : "";
        TreeSet<String> out = new TreeSet<>();
        for (CommandHelp.Signature s : c.get().signatures()) {
            if (position < s.positional().size()) {
                out.addAll(candidates(session, s.positional().get(position).name(), platform, current));
            }
        }
        return new ArrayList<>(out);
    }

    /** What fits a parameter of this name. */
    List<String> candidates(CommandSession session, String parameter, String platform, String current) {
        return switch (parameter) {
            case "DEVICE" -> facility(platform, DmaApi.class).map(api -> api.devices().stream().map(DmaDevice::name)
                .toList()).orElse(List.of());
            case "GFP" -> joined(current, facility(platform, MmRules.class).map(Args::gfpNames)
                .orElseGet(Args::gfpNames));
            case "ATTRS" -> joined(current, Args.attrNames());
            case "POOL" -> facility(platform, DmaPools.class).map(p -> p.pools().stream()
                .filter(x -> !x.destroyed()).map(DmaPool::name).distinct().toList()).orElse(List.of());
            case "AREA" -> facility(platform, CmaAreas.class).map(a -> a.areas().stream().map(CmaArea::name).toList())
                .orElse(List.of());
            case "PLATFORM" -> platformNames();
            case "VIEW" -> List.of(ProcView.ids().split(", "));
            case "COMMAND" -> CommandHelp.commands(session).stream().filter(x -> x.dmasim() && !x.hidden())
                .map(CommandHelp.Command::qualified).toList();
            default -> List.of();
        };
    }

    /** Flag names, each after what is already typed up to the last ',' or '+' (GFP_KERNEL,__GFP_Z -> ...). */
    private static List<String> joined(String current, List<String> names) {
        int cut = Math.max(current.lastIndexOf(','), current.lastIndexOf('+')) + 1;
        String head = current.substring(0, cut);
        return names.stream().map(n -> head + n).toList();
    }

    private List<String> platformNames() {
        List<Platform> all = platforms == null ? List.of() : platforms;
        return all.stream().map(Platform::name).sorted().toList();
    }

    private <T> Optional<T> facility(String platform, Class<T> type) {
        try {
            Platform p = PlatformSelector.select(platforms, platform);
            return p.state() == Platform.State.BOOTED ? p.lookup(type) : Optional.empty();
        } catch (RuntimeException e) {
            return Optional.empty(); // no or several platforms: nothing to offer
        }
    }
}
