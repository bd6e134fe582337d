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

    /**
     * {@code do_early_param()} for one parameter of the command line: every handler whose name
     * matches ({@code parameq}: {@code -} and {@code _} compare equal) runs, and each one that
     * rejects the value gets {@code pr_warn("Malformed early option '%s'")} with the name as
     * written. Returns whether any handler matched. (A test's fake context can call this to run
     * the handlers it is given.)
     */
    static boolean dispatch(org.dmasim.api.platform.KernelCmdline.Param param, java.util.List<EarlyParam> handlers,
        BootContext ctx) {
        String name = param.name().replace('-', '_');
        boolean matched = false;
        for (EarlyParam h : handlers) {
            if (h.name().replace('-', '_').equals(name)) {
                matched = true;
                if (h.setup(param.value(), ctx) != 0) {
                    ctx.log().warn("Malformed early option '" + param.name() + "'");
                }
            }
        }
        return matched;
    }

    /** The handler of {@link #of}. */
    @FunctionalInterface
    interface Handler {
        int setup(String value, BootContext ctx);
    }
}
