package org.dmasim.api.platform;

/**
 * Bad user input (a profile, a device tree, a command-line value, an API argument). The
 * message names the input and the rule it breaks; callers show it as is, without a stack trace.
 */
public class InvalidInputException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public InvalidInputException(String message) {
        super(message);
    }

    public InvalidInputException(String message, Throwable cause) {
        super(message, cause);
    }
}
