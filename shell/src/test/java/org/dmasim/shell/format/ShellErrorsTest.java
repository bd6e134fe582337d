package org.dmasim.shell.format;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.lang.reflect.InvocationTargetException;
import org.apache.felix.gogo.runtime.CommandNotFoundException;
import org.apache.felix.gogo.runtime.SyntaxError;
import org.junit.jupiter.api.Test;

/** Failures without a session to look commands up in: the messages still name no Java class. */
class ShellErrorsTest {
    @Test
    void commandNotFound_pointsToHelp() {
        assertEquals("dma:foo: command not found (help lists the commands)",
            ShellErrors.message(new CommandNotFoundException("dma:foo"), null));
    }

    @Test
    void wrongArguments_withoutTheCommandsHelp_namesTheCommand() {
        assertEquals("dma_set_mask: wrong number or kind of arguments (help dma_set_mask shows its parameters)",
            ShellErrors.message(new IllegalArgumentException(
                "Cannot coerce dma_set_mask(String) to any of [(String, String, String)]"), null));
    }

    @Test
    void syntaxError_saysWhere() {
        assertEquals("syntax error at line 1, column 5: unexpected '}'",
            ShellErrors.message(new SyntaxError(0, 4, "unexpected '}'"), null));
    }

    @Test
    void wrappedFailures_unwrapped_messageLess_describedInWords() {
        assertEquals("no device 'x'", ShellErrors.message(new InvocationTargetException(
            new IllegalArgumentException("no device 'x'")), null));
        assertEquals("failed without a reason (a value was missing)",
            ShellErrors.message(new NullPointerException(), null));
        assertEquals("failed without a reason (unexpected failure; please report it with the command that caused it)",
            ShellErrors.message(new IllegalStateException(), null));
    }
}
