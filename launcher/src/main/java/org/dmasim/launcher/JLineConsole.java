package org.dmasim.launcher;

import java.io.IOException;
import java.io.InputStream;
import java.lang.reflect.Field;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Hashtable;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.felix.gogo.jline.Builtin;
import org.apache.felix.gogo.jline.Converters;
import org.apache.felix.gogo.jline.Expander;
import org.apache.felix.gogo.jline.Highlighter;
import org.apache.felix.gogo.jline.ParsedLineImpl;
import org.apache.felix.gogo.jline.Parser;
import org.apache.felix.gogo.jline.Posix;
import org.apache.felix.gogo.jline.Procedural;
import org.apache.felix.gogo.jline.Shell;
import org.apache.felix.gogo.runtime.CommandSessionImpl;
import org.apache.felix.service.command.CommandProcessor;
import org.apache.felix.service.command.Converter;
import org.apache.felix.service.command.Job;
import org.jline.builtins.Completers;
import org.jline.builtins.Completers.CompletionData;
import org.jline.reader.EndOfFileException;
import org.jline.reader.LineReader;
import org.jline.reader.LineReaderBuilder;
import org.jline.reader.ParsedLine;
import org.jline.reader.UserInterruptException;
import org.jline.terminal.Terminal;
import org.jline.terminal.TerminalBuilder;
import org.jline.utils.AttributedStringBuilder;
import org.jline.utils.AttributedStyle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.ServiceRegistration;

/**
 * The interactive {@code dmasim shell}: Gogo's JLine front-end (line editing, history in
 * {@code ~/.dmasim_history}, Gogo's syntax highlighting and its completion machinery) on the
 * process's terminal.
 *
 * <p>The console is put together here as Gogo JLine's own activator and {@code gosh} put it
 * together (its built-in commands, converters, the line reader with Gogo's completer, parser,
 * highlighter and expander, the default {@code gosh_profile} with its {@code complete}
 * declarations), with three differences: it runs on the main thread in dmasim's session, the
 * profile runs quietly and then declares dmasim's commands to {@code complete}, and results and
 * errors are printed through dmasim's formatter (Gogo's loop prints exceptions with their class
 * names). The Gogo JLine bundle itself is never started: its activator would open a console of
 * its own at every framework start.
 */
final class JLineConsole {
    private static final String HISTORY = ".dmasim_history";

    private final BundleContext context;
    private final CommandProcessor processor;

    JLineConsole(BundleContext context, CommandProcessor processor) {
        this.context = context;
        this.processor = processor;
    }

    /**
     * Runs the console until {@code exit}, {@code quit} or Ctrl-D.
     *
     * @param banner printed before the first prompt
     * @return the exit status
     */
    int run(String platform, String banner) throws Exception {
        List<ServiceRegistration<?>> registrations = new ArrayList<>();
        try (Terminal terminal = TerminalBuilder.builder().name("dmasim").system(true).nativeSignals(true)
            .signalHandler(Terminal.SignalHandler.SIG_IGN).build();
            ShellSession shell = new ShellSession(processor, terminal.input(), printStream(terminal),
                printStream(terminal), platform)) {
            registerGogoCommands(registrations);
            CommandSessionImpl session = (CommandSessionImpl) shell.session();
            session.put(Shell.VAR_TERMINAL, terminal);
            session.put(Shell.VAR_PROCESSOR, processor);
            session.put(Shell.VAR_SESSION, session);
            session.put(LineReader.HISTORY_FILE, Path.of(System.getProperty("user.home"), HISTORY));
            LineReader reader = LineReaderBuilder.builder().terminal(terminal).variables(session.getVariables())
                .completer(new Completers.Completer(completionEnvironment(session))).highlighter(new Highlighter(session))
                .parser(new Parser()).expander(new Expander(session)).build();
            reader.setOpt(LineReader.Option.AUTO_FRESH_LINE);
            session.put(Shell.VAR_READER, reader);
            session.put(Shell.VAR_COMPLETIONS, new java.util.HashMap<String, List<CompletionData>>());
            profile(shell);
            terminal.writer().println(banner);
            terminal.flush();
            return loop(shell, terminal, reader);
        } finally {
            registrations.forEach(ServiceRegistration::unregister);
        }
    }

    /** Gogo JLine's profile (quiet: no welcome text), then dmasim's prompt, scopes and completions. */
    private static void profile(ShellSession shell) throws Exception {
        URL gogoProfile = Shell.class.getResource("/gosh_profile");
        if (gogoProfile != null) {
            shell.session().put(".gosh_quiet", true);
            shell.session().put("0", gogoProfile.toURI());
            try (InputStream in = gogoProfile.openStream()) {
                shell.execute(new String(in.readAllBytes(), StandardCharsets.UTF_8));
            } finally {
                shell.session().put("0", null);
            }
        }
        shell.session().put("SCOPE", ShellSession.SCOPE); // the profile put Gogo's own scope first
        shell.session().put("prompt", shell.session().get("platform") + "> ");
        shell.execute("dmasim:__declare_completions");
    }

    private static int loop(ShellSession shell, Terminal terminal, LineReader reader) throws IOException {
        Terminal.SignalHandler previous = terminal.handle(Terminal.Signal.INT, s -> {
            Job job = shell.session().foregroundJob();
            if (job != null) {
                job.interrupt();
            }
        });
        try {
            while (shell.exitRequested().isEmpty()) {
                try {
                    reader.readLine(String.valueOf(shell.session().get("prompt")));
                } catch (UserInterruptException e) {
                    continue;
                } catch (EndOfFileException e) {
                    break;
                }
                ParsedLine line = reader.getParsedLine();
                try {
                    Object result = shell.execute(line instanceof ParsedLineImpl p ? p.program() : line.line());
                    shell.session().put(Shell.VAR_RESULT, result);
                    String printed = shell.format(result);
                    if (printed != null) {
                        terminal.writer().println(printed);
                    }
                } catch (Exception e) {
                    shell.session().put(Shell.VAR_EXCEPTION, e);
                    AttributedStringBuilder sb = new AttributedStringBuilder();
                    sb.style(AttributedStyle.DEFAULT.foreground(AttributedStyle.RED)).append(shell.error(e));
                    terminal.writer().println(sb.toAnsi(terminal));
                }
                terminal.flush();
            }
            reader.getHistory().save();
            return shell.exitRequested().orElse(0);
        } finally {
            terminal.handle(Terminal.Signal.INT, previous);
        }
    }

    private static Completers.CompletionEnvironment completionEnvironment(CommandSessionImpl session) {
        return new Completers.CompletionEnvironment() {
            @Override
            public Map<String, List<CompletionData>> getCompletions() {
                return Shell.getCompletions(session);
            }

            @Override
            public Set<String> getCommands() {
                return Shell.getCommands(session);
            }

            @Override
            public String resolveCommand(String command) {
                return Shell.resolve(session, command);
            }

            @Override
            public String commandName(String command) {
                int colon = command.indexOf(':');
                return colon >= 0 ? command.substring(colon + 1) : command;
            }

            @Override
            public Object evaluate(LineReader reader, ParsedLine line, String function) throws Exception {
                session.put(Shell.VAR_COMMAND_LINE, line);
                return session.execute(function);
            }
        };
    }

    /**
     * Gogo JLine's commands (history, complete, setopt, less, grep, ...) and converters, as its
     * activator registers them, for as long as the console runs.
     */
    private void registerGogoCommands(List<ServiceRegistration<?>> registrations) throws ReflectiveOperationException {
        registrations.add(context.registerService(Converter.class, new Converters(context.getBundle(0)
            .getBundleContext()), null));
        Shell shell = new Shell(new Shell.Context() {
            @Override
            public String getProperty(String name) {
                return context.getProperty(name);
            }

            @Override
            public void exit() {
                // the framework stays up: dmasim shuts it down when the console returns
            }
        }, processor);
        for (Object commands : List.of(new Builtin(), new Procedural(), new Posix(processor), shell)) {
            Hashtable<String, Object> props = new Hashtable<>();
            props.put(CommandProcessor.COMMAND_SCOPE, "gogo");
            props.put(CommandProcessor.COMMAND_FUNCTION, functions(commands.getClass()));
            registrations.add(context.registerService(commands.getClass().getName(), commands, props));
        }
    }

    /** The function names a Gogo JLine command class publishes (its package-private {@code functions}). */
    private static String[] functions(Class<?> type) throws ReflectiveOperationException {
        Field f = type.getDeclaredField("functions");
        f.setAccessible(true);
        return ((String[]) f.get(null)).clone();
    }

    private static java.io.PrintStream printStream(Terminal terminal) {
        return new java.io.PrintStream(terminal.output(), true, StandardCharsets.UTF_8);
    }
}
