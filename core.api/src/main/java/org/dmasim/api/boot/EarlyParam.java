package org.dmasim.api.boot;

import org.osgi.annotation.versioning.ConsumerType;

/**
 * One {@code early_param()} of the modelled kernel: a parameter name and its handler. The
 * platform runs every handler of every participant at {@code parse_early_param()} time
 * ({@link BootContext#parseEarlyParams()}), in command-line order, once per occurrence of the
 * parameter, as {@code do_early_param()} of {@code init/main.c} does; a handler that rejects
 * its value returns non-zero, and the platform then prints the kernel's own
 * {@code Malformed early option '<name>'} warning, naming the parameter as it was written.
 * A handler records what it parsed in the {@link BootContext} for the step that applies it.
 */
@ConsumerType
public interface EarlyParam {
    /** The name as {@code early_param()} declares it; {@code -} and {@code _} compare equal. */
    String name();

    /**
     * The handler ({@code setup_func}).
     *
     * @param value the text after {@code =}, or null for a bare {@code name}
     * @return 0 when the value is accepted, anything else when it is malformed
     * @throws org.dmasim.api.platform.InvalidInputException for values dmasim refuses outright
     */
    int setup(String value, BootContext ctx);

    /** A handler from a name and a function, for participants that declare a few. */
    static EarlyParam of(String name, Handler handler) {
        return new EarlyParam() {
            @Override
            public String name() {
                return name;
            }

            @Override
            public int setup(String value, BootContext ctx) {
                return handler.setup(value, ctx);
            }
        };
    }

    /** The handler of {@link #of}. */
    @FunctionalInterface
    interface Handler {
        int setup(String value, BootContext ctx);
    }
}
