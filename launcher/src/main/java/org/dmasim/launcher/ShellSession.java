package org.dmasim.launcher;

import java.io.InputStream;
import java.io.PrintStream;
import java.util.Collection;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import org.apache.felix.service.command.CommandProcessor;
import org.apache.felix.service.command.CommandSession;
import org.apache.felix.service.command.Converter;
import org.apache.felix.service.command.Function;
import org.dmasim.shell.format.ShellErrors;

/**
 * A Gogo session as {@code dmasim run} and {@code dmasim shell} use it: {@code $platform} holds
 * the booted platform's name, dmasim's scopes are searched first (so {@code help} is dmasim's and
 * {@code devices} needs no scope), and {@code exit [STATUS]} or {@code quit} ends the script or
 * shell. Results and errors are rendered here for every front-end alike.
 */
final class ShellSession implements AutoCloseable {
    /** Gogo's command search path: dmasim's scopes, then everything else. */
    static final String SCOPE = "dmasim:dma:mm:cma:dmapool:*";

    private final CommandSession session;
    private volatile Integer exitStatus;

    ShellSession(CommandProcessor processor, InputStream in, PrintStream out, PrintStream err, String platform) {
        this(processor.createSession(in, out, err), platform);
    }

    /** Sets up {@code session}, which this object closes. */
    ShellSession(CommandSession session, String platform) {
        this.session = session;
        session.put("platform", platform);
        session.put("SCOPE", SCOPE);
        Function exit = (s, args) -> {
            exitStatus = status(args);
            return null;
        };
        session.put("exit", exit);
        session.put("quit", exit);
    }

    private static int status(List<Object> args) {
        if (args == null || args.isEmpty()) {
            return 0;
        }
        try {
            return Integer.parseInt(String.valueOf(args.get(0)).trim());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("usage: exit [STATUS] (STATUS a number, e.g. exit 1)");
        }
    }

    CommandSession session() {
        return session;
    }

    /** The status {@code exit} asked for, empty while nobody asked. */
    Optional<Integer> exitRequested() {
        return Optional.ofNullable(exitStatus);
    }

    Object execute(CharSequence statement) throws Exception {
        return session.execute(statement);
    }

    /** What a console prints for a statement's result; null when there is nothing to print. */
    String format(Object result) throws Exception {
        if (result == null || result instanceof Collection<?> c && !c.isEmpty() && c.stream().allMatch(Objects::isNull)) {
            return null; // nothing, or what "each" returns for a block of commands that print and return nothing
        }
        return session.format(result, Converter.INSPECT).toString();
    }

    /** What a console prints for a statement's failure: never a Java class name. */
    String error(Exception e) {
        return ShellErrors.message(e, session);
    }

    @Override
    public void close() {
        session.close();
    }
}
