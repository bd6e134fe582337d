package org.dmasim.shell.format;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.UndeclaredThrowableException;
import java.util.Optional;
import org.apache.felix.gogo.runtime.CommandNotFoundException;
import org.apache.felix.gogo.runtime.SyntaxError;
import org.apache.felix.service.command.CommandSession;

/**
 * Turns what a shell statement threw into the line(s) a user reads: never a Java class name.
 * Gogo's own failures are translated: an unknown command names the closest known ones, a
 * command given the wrong number or kind of arguments prints its usage, a parse error says
 * where; dmasim's commands and services throw exceptions whose message is already meant for
 * the user (the kernel's message where the kernel has one).
 */
public final class ShellErrors {
    /** How Gogo's {@code Reflective} starts the message of an argument list no overload takes. */
    private static final String CANNOT_COERCE = "Cannot coerce ";

    private ShellErrors() {
    }

    /** The user's message for {@code failure}, looking commands up in {@code session} (may be null). */
    public static String message(Throwable failure, CommandSession session) {
        Throwable e = unwrap(failure);
        if (e instanceof CommandNotFoundException nf) {
            String suggestion = CommandSuggestions.didYouMean(nf.getCommand(), CommandHelp.commandNames(session));
            return nf.getCommand() + ": command not found" + (suggestion.isEmpty() ? " (help lists the commands)"
                : suggestion);
        }
        if (e instanceof SyntaxError s) {
            return "syntax error at line " + (s.line() + 1) + ", column " + (s.column() + 1) + ": " + s.getMessage();
        }
        String text = e.getMessage();
        if (e instanceof IllegalArgumentException && text != null && text.startsWith(CANNOT_COERCE)) {
            return wrongArguments(text, session);
        }
        if (text == null || text.isBlank()) {
            return "failed without a reason (" + kind(e) + ")";
        }
        return text;
    }

    /** {@code usage: ...} of the command Gogo could not call with the given arguments. */
    private static String wrongArguments(String coerceMessage, CommandSession session) {
        int paren = coerceMessage.indexOf('(');
        String function = paren > CANNOT_COERCE.length()
            ? coerceMessage.substring(CANNOT_COERCE.length(), paren).strip() : "";
        Optional<CommandHelp.Command> command = function.isEmpty() || session == null ? Optional.empty()
            : CommandHelp.find(session, function.startsWith("_") ? function.substring(1) : function);
        if (command.isPresent() && !command.get().signatures().isEmpty()) {
            return HelpText.usage(command.get());
        }
        return (function.isEmpty() ? "a command" : function) + ": wrong number or kind of arguments (help "
            + (function.isEmpty() ? "NAME" : function) + " shows its parameters)";
    }

    /** The exception that says what went wrong: reflection and proxy wrappers removed. */
    static Throwable unwrap(Throwable e) {
        Throwable t = e;
        while (t.getCause() != null && t.getCause() != t
            && (t instanceof InvocationTargetException || t instanceof UndeclaredThrowableException
                || t.getMessage() == null || t.getMessage().equals(t.getCause().toString()))) {
            t = t.getCause();
        }
        return t;
    }

    /** What kind of failure a message-less exception is, in words instead of a class name. */
    private static String kind(Throwable e) {
        if (e instanceof NullPointerException) {
            return "a value was missing";
        }
        if (e instanceof ArithmeticException || e instanceof IndexOutOfBoundsException) {
            return "a value was out of range";
        }
        if (e instanceof InterruptedException) {
            return "interrupted";
        }
        if (e instanceof OutOfMemoryError) {
            return "out of Java heap";
        }
        return "unexpected failure; please report it with the command that caused it";
    }
}
