package org.dmasim.launcher;

import java.io.FileDescriptor;
import java.io.FileInputStream;
import java.io.FileOutputStream;
import java.io.InputStream;
import java.io.PrintStream;
import java.time.Duration;
import java.util.concurrent.Callable;
import org.apache.felix.service.command.CommandProcessor;
import org.osgi.framework.BundleContext;
import org.osgi.framework.InvalidSyntaxException;
import org.osgi.framework.ServiceReference;
import org.osgi.service.cm.ConfigurationAdmin;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;

/**
 * The CLI's entry point inside the framework. The bnd launcher of {@code dmasim.jar} starts
 * Felix, registers itself as a service whose {@code launcher.arguments} property holds the
 * command line of {@code java -jar dmasim.jar ARGS}, and calls the {@code main.thread=true}
 * service on the main thread; the Integer it returns is the process's exit status.
 *
 * <p>Without a launcher service (a framework started some other way, e.g. a Pax Exam test)
 * nothing calls this service; called anyway, it sees no arguments and returns 2.
 */
@Component(service = Callable.class, property = "main.thread=true", immediate = true)
public class DmasimMain implements Callable<Integer> {
    /** Framework property: seconds to wait for the platform to boot (default 30). */
    static final String BOOT_TIMEOUT = "dmasim.boot.timeout";
    static final String LAUNCHER_ARGUMENTS = "launcher.arguments";

    private final BundleContext context;
    private final ConfigurationAdmin configAdmin;
    private final CommandProcessor processor;
    /** The platform the command line boots, started at activation; taken by {@link #call()}. */
    private Cli.Boot early;

    /**
     * Activates as soon as Config Admin and Gogo are there (immediate), while the launcher is
     * still starting the other bundles, and starts the platform's boot at once: the boot then
     * overlaps the rest of the framework's start instead of following it.
     */
    @Activate
    public DmasimMain(BundleContext context, @Reference(name = "configAdmin") ConfigurationAdmin configAdmin,
        @Reference(name = "processor") CommandProcessor processor) {
        this.context = context;
        this.configAdmin = configAdmin;
        this.processor = processor;
        String[] args = arguments();
        this.early = args.length == 0 ? null : Cli.Boot.startIfNeeded(context, configAdmin, args);
    }

    /** The framework stops before the command ran: take its platform down. */
    @Deactivate
    void deactivate() throws InterruptedException {
        Cli.Boot boot = takeEarly();
        if (boot != null) {
            boot.close();
        }
    }

    private synchronized Cli.Boot takeEarly() {
        Cli.Boot boot = early;
        early = null;
        return boot;
    }

    @Override
    public Integer call() {
        Duration bootTimeout;
        try {
            String timeout = context.getProperty(BOOT_TIMEOUT);
            bootTimeout = Duration.ofSeconds(timeout == null ? 30 : Long.parseLong(timeout.trim()));
        } catch (NumberFormatException e) {
            System.err.println("dmasim: " + BOOT_TIMEOUT + ": expected a number of seconds (" + e.getMessage() + ")");
            return UsageException.EXIT_STATUS;
        }
        // The process's own streams, not System.out/err: Gogo's ThreadIO replaces those with
        // per-thread proxies, and a session writing into such a proxy writes into itself.
        PrintStream out = new PrintStream(new FileOutputStream(FileDescriptor.out), true);
        PrintStream err = new PrintStream(new FileOutputStream(FileDescriptor.err), true);
        InputStream in = new FileInputStream(FileDescriptor.in);
        return new Cli(context, configAdmin, processor, bootTimeout, in, out, err).run(takeEarly(), arguments());
    }

    private String[] arguments() {
        try {
            ServiceReference<?>[] refs = context.getServiceReferences((String) null, "(" + LAUNCHER_ARGUMENTS + "=*)");
            if (refs != null && refs[0].getProperty(LAUNCHER_ARGUMENTS) instanceof String[] args) {
                return args;
            }
        } catch (InvalidSyntaxException e) {
            throw new AssertionError(e);
        }
        return new String[0];
    }
}
