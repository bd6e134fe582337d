package org.dmasim.platform.iommu;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.dmasim.api.platform.BootLog;
import org.dmasim.api.platform.KernelCmdline;

/**
 * An {@code early_param} handler: it takes the parameter's value (null for a bare word) and
 * returns 0 when it accepted it, anything else when it rejected it, and
 * {@code do_early_param()} (init/main.c) then warns {@code Malformed early option '<name>'}
 * and boots on. The IOMMU parameters use it here until the platform parses every early
 * parameter in one place; a handler of this shape registers there unchanged.
 */
@FunctionalInterface
interface EarlyParam {
    int setup(String value);

    /**
     * {@code parse_early_param()}: every parameter in command-line order, offered to the
     * handler of its name (names compare with {@code -} and {@code _} equal, as {@code parameq}),
     * up to a bare {@code --}, after which everything belongs to init ({@code parse_args}).
     *
     * @param handlers by name, spelled with {@code _}
     */
    static void parse(KernelCmdline cmdline, Map<String, EarlyParam> handlers, BootLog log) {
        for (KernelCmdline.Param p : kernelParams(cmdline)) {
            EarlyParam handler = handlers.get(p.name().replace('-', '_'));
            if (handler != null && handler.setup(p.value()) != 0) {
                log.warn("Malformed early option '" + p.name() + "'");
            }
        }
    }

    /** The parameters the kernel parses itself: those before a bare {@code --} (the rest are init's). */
    static List<KernelCmdline.Param> kernelParams(KernelCmdline cmdline) {
        List<KernelCmdline.Param> out = new ArrayList<>();
        for (KernelCmdline.Param p : cmdline.params()) {
            if (p.value() == null && p.name().equals("--")) {
                break;
            }
            out.add(p);
        }
        return out;
    }
}
