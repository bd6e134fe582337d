package org.dmasim.platform.boot;

import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.dmasim.api.boot.BootContext;
import org.dmasim.api.boot.EarlyParam;
import org.dmasim.api.platform.Arch;
import org.dmasim.api.platform.InvalidInputException;
import org.dmasim.api.platform.KernelCmdline;
import org.dmasim.api.platform.Memparse;

/**
 * {@code parse_early_param()} of {@code init/main.c} (6.1): walks the command line in order
 * (up to a bare {@code --}) and calls every early handler whose name matches the parameter
 * ({@code parameq}: {@code -} and {@code _} equal); a handler that returns non-zero gets the
 * kernel's {@code pr_warn("Malformed early option '%s'")}, with the name as written. The kernel
 * accepts everything else at this stage, and so does dmasim, with two remarks of its own:
 * <ul>
 * <li>a size in a memparse parameter that does not fit in 64 bits is refused (the kernel would
 *     wrap it silently), naming the parameter;</li>
 * <li>a parameter that shapes memory but that dmasim does not model is named in a
 *     {@code dmasim:} remark instead of being ignored without a word.</li>
 * </ul>
 */
final class EarlyParams {
    /** Parameters whose values are numbers or memparse sizes (every number in them is checked for overflow). */
    private static final Set<String> SIZE_PARAMS = Set.of("mem", "memmap", "cma", "coherent_pool", "crashkernel",
        "hugepagesz", "default_hugepagesz", "hugetlb_cma", "kernelcore", "movablecore", "cma_pernuma", "swiotlb");
    /** Where a number can start inside such a value: cma=S@B-L, memmap=S$B, crashkernel=R-R:S,... */
    private static final String SEPARATORS = "@#$!%,-+:";

    /** Memory-shaping parameters dmasim accepts without modelling them, and what that leaves out. */
    private static final Map<String, String> NOT_MODELLED = Map.ofEntries(
        Map.entry("crashkernel", "no crash kernel area is reserved, so that memory stays free in this layout"),
        Map.entry("hugepages", "no huge pages are preallocated at boot"),
        Map.entry("hugepagesz", "huge page sizes do not change the layout here"),
        Map.entry("default_hugepagesz", "huge page sizes do not change the layout here"),
        Map.entry("hugetlb_cma", "no CMA area is reserved for gigantic pages"),
        Map.entry("kernelcore", "no ZONE_MOVABLE is carved out (\"Movable zone start\" stays empty)"),
        Map.entry("movablecore", "no ZONE_MOVABLE is carved out (\"Movable zone start\" stays empty)"),
        Map.entry("movable_node", "hotpluggable memory is not modelled"),
        Map.entry("memtest", "no memory test runs"),
        Map.entry("memblock", "memblock debug output is not printed"),
        Map.entry("cma_pernuma", "dmasim models one NUMA node, without per-node CMA areas"),
        Map.entry("numa", "dmasim models one NUMA node"),
        Map.entry("efi_fake_mem", "there is no EFI memory map to edit"));
    private static final Map<String, String> NOT_A_PARAMETER_ON_ARM64 = Map.of(
        "memmap", "memmap= exists on x86, MIPS and Xtensa only; Linux on arm64 passes it to init",
        "highmem", "highmem= is a 32-bit parameter; Linux on arm64 passes it to init");
    private static final Map<String, String> NOT_A_PARAMETER_ON_X86_64 = Map.of(
        "highmem", "highmem= exists on 32-bit x86 only; Linux on x86_64 passes it to init");

    private EarlyParams() {
    }

    static void parse(BootContext ctx, List<EarlyParam> handlers) {
        Arch arch = ctx.spec().arch();
        Set<String> remarked = new HashSet<>();
        for (KernelCmdline.Param p : ctx.spec().cmdline().params()) {
            String name = canonical(p.name());
            if (p.value() != null && SIZE_PARAMS.contains(name)) {
                checkSizes(p);
            }
            boolean handled = EarlyParam.dispatch(p, handlers, ctx);
            if (!handled && remarked.add(name)) {
                remark(ctx, arch, p, name);
            }
        }
    }

    private static void remark(BootContext ctx, Arch arch, KernelCmdline.Param p, String name) {
        String written = p.value() == null ? p.name() : p.name() + "=" + p.value();
        Map<String, String> notHere = arch == Arch.ARM64 ? NOT_A_PARAMETER_ON_ARM64 : NOT_A_PARAMETER_ON_X86_64;
        if (notHere.containsKey(name)) {
            ctx.log().dmasim(written + ": not a parameter here: " + notHere.get(name));
        } else if (NOT_MODELLED.containsKey(name)) {
            ctx.log().dmasim(written + ": accepted; not modelled: " + NOT_MODELLED.get(name));
        }
    }

    /** Every number of a memparse value must fit in 64 bits; the message names the parameter. */
    private static void checkSizes(KernelCmdline.Param p) {
        String v = p.value();
        for (int i = 0; i < v.length(); i++) {
            boolean tokenStart = i == 0 || SEPARATORS.indexOf(v.charAt(i - 1)) >= 0;
            if (tokenStart && Character.isDigit(v.charAt(i))) {
                try {
                    Memparse.parse(v, i);
                } catch (InvalidInputException e) {
                    throw new InvalidInputException(p.name() + "=" + v + ": " + e.getMessage(), e);
                }
            }
        }
    }

    private static String canonical(String name) {
        return name.replace('-', '_');
    }
}
