package org.dmasim.launcher;

/**
 * Bad command line: the message names the input and the rule, and is shown as
 * {@code dmasim: <message>} with exit status {@value #EXIT_STATUS}.
 */
public final class UsageException extends Exception {
    public static final int EXIT_STATUS = 2;
    private static final long serialVersionUID = 1L;

    public UsageException(String message) {
        super(message);
    }
}
