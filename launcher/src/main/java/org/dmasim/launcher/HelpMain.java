package org.dmasim.launcher;

import org.dmasim.launcher.Options.Command;

/**
 * {@code dmasim --help}, {@code dmasim COMMAND --help} and {@code dmasim --version} without
 * starting the framework: the {@code ./dmasim} script runs this class on the launcher, shell and
 * core.api jars when the command line asks for help or the version. Prints exactly what the CLI
 * inside the framework prints for the same arguments; exits {@value #NOT_HANDLED} for any other
 * command line, which the script then runs in the framework.
 */
public final class HelpMain {
    static final int NOT_HANDLED = 3;

    private HelpMain() {
    }

    public static void main(String[] args) {
        int status;
        try {
            Options options = OptionParser.parse(args);
            if (options.command() == Command.HELP) {
                System.out.println(OptionParser.usage(options.helpFor()));
                status = Cli.OK;
            } else if (options.command() == Command.VERSION) {
                System.out.println(DmasimVersion.text());
                status = Cli.OK;
            } else {
                status = NOT_HANDLED;
            }
        } catch (UsageException e) {
            status = NOT_HANDLED; // the CLI in the framework reports it, as for every other command line
        }
        System.exit(status);
    }
}
