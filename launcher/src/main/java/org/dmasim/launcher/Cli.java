package org.dmasim.launcher;

import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.apache.felix.service.command.CommandProcessor;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import org.dmasim.api.device.DmaDevice;
import org.dmasim.api.dma.DmaApi;
import org.dmasim.api.mm.PageAllocator;
import org.dmasim.api.platform.LogLine;
import org.dmasim.api.platform.Platform;
import org.dmasim.api.platform.PlatformConfig;
import org.dmasim.launcher.Options.Command;
import org.dmasim.launcher.ScriptRunner.ScriptFailure;
import org.dmasim.shell.format.ProcView;
import org.dmasim.shell.format.ShellErrors;
import org.dmasim.shell.format.ShellFormatter;
import org.osgi.framework.BundleContext;
import org.osgi.service.cm.Configuration;
import org.osgi.service.cm.ConfigurationAdmin;

/**
 * One dmasim command: configure the platform, wait until it booted, then print the boot log
 * ({@code boot}), run a script ({@code run}) or open the shell ({@code shell}). Every message to
 * the user is one line {@code dmasim: ...} on stderr; nothing here prints a stack trace.
 */
final class Cli {
    static final int OK = 0;
    static final int FAILURE = 1;
    static final int BAD_INPUT = UsageException.EXIT_STATUS;
    /** {@code upgrade --fail-on-loss}: a CMA area, a swiotlb or an atomic pool is lost or shrinks. */
    static final int LOSS = 3;
    private static final Duration SHUTDOWN_TIMEOUT = Duration.ofSeconds(5);

    private final BundleContext context;
    private final ConfigurationAdmin configAdmin;
    private final CommandProcessor processor;
    private final Duration bootTimeout;
    private final InputStream in;
    private final PrintStream out;
    private final PrintStream err;

    Cli(BundleContext context, ConfigurationAdmin configAdmin, CommandProcessor processor, Duration bootTimeout,
        InputStream in, PrintStream out, PrintStream err) {
        this.context = context;
        this.configAdmin = configAdmin;
        this.processor = processor;
        this.bootTimeout = bootTimeout;
        this.in = in;
        this.out = out;
        this.err = err;
    }

    int run(String... args) {
        return run(null, args);
    }

    /**
     * Runs a command line whose platform may already be booting ({@code early}, from
     * {@link Boot#start} with the same arguments); a command line that needs a platform and
     * got none starts its boot here.
     */
    int run(Boot early, String... args) {
        try {
            Options options = OptionParser.parse(args);
            if (options.command() == Command.HELP) {
                out.println(OptionParser.usage(options.helpFor()));
                return OK;
            }
            if (options.command() == Command.VERSION) {
                out.println(DmasimVersion.text());
                return OK;
            }
            try (Boot boot = early != null ? early : Boot.start(context, configAdmin, options)) {
                return complete(boot);
            }
        } catch (UsageException e) {
            return fail(BAD_INPUT, e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return fail(FAILURE, "interrupted");
        } catch (IOException | RuntimeException e) {
            return fail(FAILURE, "unexpected failure: " + ShellErrors.message(e, null)); // a bug; one line still
        }
    }

    /**
     * The platforms one command line boots (one; two for {@code upgrade}, one per kernel, booting
     * side by side): each configuration created, each service watched. Closing it deletes the
     * configurations and waits until the platforms are gone, while their backends are still
     * there (the framework's shutdown then stops bundles with no platform left to re-boot behind
     * them).
     */
    static final class Boot implements AutoCloseable {
        /** One platform of the command line. */
        private record Started(String name, PlatformWaiter waiter, Configuration config) {
        }

        private final Options options;
        private final List<Started> started;

        private Boot(Options options, List<Started> started) {
            this.options = options;
            this.started = started;
        }

        /** Creates the platforms' configurations: they boot from here on, on other threads. */
        static Boot start(BundleContext context, ConfigurationAdmin configAdmin, Options options) throws IOException {
            List<Started> started = new java.util.ArrayList<>();
            try {
                if (options.command() == Command.UPGRADE) {
                    for (String kernel : options.upgradeKernels()) {
                        String name = options.platformName(kernel);
                        started.add(start(context, configAdmin, name, options.toConfiguration(name, kernel)));
                    }
                } else {
                    started.add(start(context, configAdmin, options.platformName(), options.toConfiguration()));
                }
                return new Boot(options, List.copyOf(started));
            } catch (IOException | RuntimeException e) {
                for (Started s : started) {
                    s.waiter.close();
                }
                throw e;
            }
        }

        private static Started start(BundleContext context, ConfigurationAdmin configAdmin, String name,
            java.util.Dictionary<String, Object> properties) throws IOException {
            PlatformWaiter waiter = new PlatformWaiter(context, name);
            try {
                Configuration config = configAdmin.getFactoryConfiguration(PlatformConfig.FACTORY_PID, name, "?");
                config.update(properties);
                return new Started(name, waiter, config);
            } catch (IOException | RuntimeException e) {
                waiter.close();
                throw e;
            }
        }

        /**
         * {@link #start} for a command line, when it parses and needs a platform; null otherwise
         * (its errors are reported when it runs).
         */
        static Boot startIfNeeded(BundleContext context, ConfigurationAdmin configAdmin, String... args) {
            try {
                Options options = OptionParser.parse(args);
                if (options.command() == Command.HELP || options.command() == Command.VERSION) {
                    return null;
                }
                return start(context, configAdmin, options);
            } catch (UsageException | IOException | RuntimeException e) {
                return null;
            }
        }

        @Override
        public void close() throws InterruptedException {
            for (Started s : started) {
                try {
                    s.config.delete();
                } catch (IOException | IllegalStateException e) {
                    // Config Admin is gone already (the framework is stopping): nothing left to delete
                }
            }
            try {
                for (Started s : started) {
                    try {
                        s.waiter.awaitGone(SHUTDOWN_TIMEOUT);
                    } catch (IllegalStateException e) {
                        // the framework is stopping: nothing left to wait for
                    }
                }
            } finally {
                for (Started s : started) {
                    s.waiter.close();
                }
            }
        }
    }

    /** Waits for the platforms, then runs the command against them. */
    private int complete(Boot boot) throws InterruptedException {
        List<Platform> platforms = new java.util.ArrayList<>();
        for (Boot.Started s : boot.started) {
            Optional<Platform> platform = s.waiter.await(bootTimeout);
            if (platform.isEmpty()) {
                return fail(FAILURE, "platform '" + s.name + "': no platform service within " + bootTimeout.toSeconds()
                    + " s (is the org.dmasim.platform bundle active?)");
            }
            platforms.add(platform.get());
        }
        if (boot.options.command() == Command.UPGRADE) {
            return upgrade(boot.options, platforms);
        }
        return afterBoot(boot.options, platforms.get(0));
    }

    /**
     * {@code upgrade}: both platforms must have booted; then the report, and with
     * {@code --fail-on-loss} status 3 when it finds memory for DMA lost.
     */
    private int upgrade(Options options, List<Platform> platforms) {
        for (Platform p : platforms) {
            if (p.state() == Platform.State.WAITING) {
                return fail(FAILURE, "platform '" + p.name() + "' still WAITING after " + bootTimeout.toSeconds()
                    + " s: " + p.failure().orElse("no reason given"));
            }
            if (p.state() == Platform.State.FAILED) {
                return fail(BAD_INPUT, "with Linux " + kernelOf(p) + ": "
                    + p.failure().orElse("platform '" + p.name() + "' failed to boot"));
            }
        }
        UpgradeReport report = UpgradeReport.of(UpgradeReport.Facts.of(platforms.get(0)),
            UpgradeReport.Facts.of(platforms.get(1)));
        out.print(report.render(options.platformName()));
        out.flush();
        return options.failOnLoss && report.lossy() ? LOSS : OK;
    }

    /** A platform's kernel, or "?" when it has no spec (a boot that failed on its inputs). */
    private static String kernelOf(Platform p) {
        try {
            return p.spec().kernel().toString();
        } catch (RuntimeException e) {
            return p.name().substring(p.name().lastIndexOf('@') + 1);
        }
    }

    private int afterBoot(Options options, Platform platform) {
        switch (platform.state()) {
            case WAITING:
                return fail(FAILURE, "platform '" + platform.name() + "' still WAITING after "
                    + bootTimeout.toSeconds() + " s: " + platform.failure().orElse("no reason given"));
            case FAILED:
                if (options.command() == Command.BOOT) {
                    printBootLog(platform);
                }
                return fail(BAD_INPUT, platform.failure().orElse("platform '" + platform.name() + "' failed to boot"));
            default:
                break;
        }
        if (options.command() == Command.BOOT) {
            printBootLog(platform);
        }
        int shown = show(platform, options);
        if (shown != OK) {
            return shown;
        }
        return switch (options.command()) {
            case RUN -> runScript(options, platform.name());
            case SHELL -> shell(platform);
            default -> OK;
        };
    }

    private void printBootLog(Platform platform) {
        for (LogLine line : platform.bootLog().lines()) {
            out.println(ShellFormatter.logLine(line));
        }
    }

    /**
     * Prints the {@code --show} views; each is headed {@code ==> /proc/NAME <==} when there is
     * more than one or when the boot log came before.
     */
    private int show(Platform platform, Options options) {
        boolean headings = options.show().size() > 1 || options.command() == Command.BOOT;
        for (ProcView view : options.show()) {
            Optional<PageAllocator> allocator = platform.lookup(PageAllocator.class);
            if (allocator.isEmpty()) {
                return fail(FAILURE, "--show " + view.id() + ": platform '" + platform.name()
                    + "' has no page allocator (is the org.dmasim.mm.buddy bundle active?)");
            }
            if (headings) {
                out.println();
                out.println("==> " + view.path() + " <==");
            }
            out.print(view.render(allocator.get()));
            out.flush();
        }
        return OK;
    }

    private int runScript(Options options, String platformName) {
        try (ShellSession session = new ShellSession(processor, in, out, err, platformName)) {
            return new ScriptRunner(session, out).run(options.script());
        } catch (ScriptFailure e) {
            return fail(FAILURE, e.getMessage());
        }
    }

    /**
     * The interactive console (Gogo's JLine front-end) when stdin and stdout are a terminal;
     * otherwise the statements piped in, run like a script that goes on after a failure.
     */
    private int shell(Platform platform) {
        String banner = banner(platform);
        if (System.console() != null) {
            try {
                return new JLineConsole(context, processor).run(platform.name(), banner);
            } catch (LinkageError e) {
                return fail(FAILURE, "shell: the interactive console needs the bundles org.apache.felix.gogo.jline and"
                    + " org.jline, which this framework lacks (piped input works without them)");
            } catch (Exception e) {
                return fail(FAILURE, "shell: cannot open the console: " + ShellErrors.message(e, null));
            }
        }
        out.println(banner);
        try (ShellSession session = new ShellSession(processor, in, out, err, platform.name())) {
            return new ScriptRunner(session, out).runPiped(
                new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8)), err);
        } catch (IOException e) {
            return fail(FAILURE, "shell: reading standard input: " + e.getMessage());
        }
    }

    /** dmasim's version, the platform and its kernel, and three commands to start with. */
    static String banner(Platform platform) {
        String arch;
        int cpus;
        String kernel;
        try {
            arch = platform.spec().arch().id();
            cpus = platform.spec().possibleCpus();
            kernel = "Linux " + platform.spec().kernel();
        } catch (RuntimeException e) { // a platform without a spec never gets this far; stay safe anyway
            arch = "?";
            cpus = 0;
            kernel = "Linux ?";
        }
        // an example device: a test device when the profile has one, else one named after its bus address
        String device = platform.lookup(DmaApi.class).flatMap(api -> {
            List<String> names = api.devices().stream().map(DmaDevice::name).toList();
            return names.stream().filter(n -> n.startsWith("dma-test")).findFirst()
                .or(() -> names.stream().filter(n -> n.matches("[0-9a-f]+\\..+")).findFirst())
                .or(() -> names.stream().findFirst());
        }).orElse("DEVICE");
        return String.join("\n",
            "dmasim " + DmasimVersion.version() + ": the " + kernel + " DMA memory subsystem, simulated",
            "platform " + platform.name() + ": " + arch + ", " + kernel + ", " + cpus
                + (cpus == 1 ? " CPU" : " CPUs") + ", " + platform.state(),
            "start with:  help    dma:devices    dma:dma_alloc_coherent " + device + " 4K GFP_KERNEL",
            "(exit, quit or Ctrl-D leaves the shell)");
    }

    private int fail(int status, String message) {
        out.flush();
        err.println(ShellFormatter.DMASIM_PREFIX + message);
        return status;
    }
}
