package org.dmasim.launcher;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.regex.Pattern;
import org.dmasim.api.mem.CacheEviction;
import org.dmasim.api.platform.Arch;
import org.dmasim.api.platform.InvalidInputException;
import org.dmasim.api.platform.Kconfig;
import org.dmasim.api.platform.KernelVersion;
import org.dmasim.api.platform.Memparse;
import org.dmasim.launcher.Options.Command;
import org.dmasim.shell.format.ProcView;

/**
 * Parses {@code dmasim COMMAND [OPTIONS] [PROFILE] [SCRIPT]}. Checks what the command line
 * itself can know (option names, values present, value syntax, files exist); the platform
 * checks the rest (profile names, memory layout, kernel parameters) when it boots.
 *
 * <p>Both {@code --opt value} and {@code --opt=value} are accepted. A value may not start with
 * {@code --} in the first form (that is taken as a forgotten value).
 */
public final class OptionParser {
    /** The command lines, one per command; each command's {@code --help} prints its own. */
    private static final String BOOT_LINE =
        "Usage: dmasim boot  [OPTIONS] [PROFILE]         boot, print the boot log, exit";
    private static final String RUN_LINE =
        "       dmasim run   [OPTIONS] [PROFILE] SCRIPT  boot, run a Gogo script, exit 0 iff it succeeded";
    private static final String SHELL_LINE =
        "       dmasim shell [OPTIONS] [PROFILE]         boot, open the shell (leave with exit, quit or Ctrl-D)";
    private static final String UPGRADE_LINE =
        "       dmasim upgrade [--from K] [--to K] [--fail-on-loss] [OPTIONS] [PROFILE]\n"
            + "                                               boot under both kernels, show what the upgrade changes";

    static final String OPTIONS_TEXT = String.join("\n",
        "Options (each overrides the profile):",
        "  --profile NAME|FILE     shipped profile name or profile file (default: qemu-virt-arm64,",
        "                          or pc-x86_64 with --arch x86_64)",
        "  --arch x86_64|arm64     architecture",
        "  --kernel 6.1|6.12       the Linux version to boot (default: the profile's, else 6.1)",
        "  --dtb FILE              device tree, .dtb or .dts",
        "  --e820 FILE             BIOS-e820 lines as dmesg prints them (x86_64)",
        "  --mem SIZE@BASE[,...]   RAM banks, e.g. 2G@0x40000000,2G@0x880000000",
        "  --cmdline \"...\"         kernel command line; REPLACES the profile's (given twice: joined by a space)",
        "  --kconfig KEY=VALUE     Kconfig override, e.g. CMA_SIZE_MBYTES=128 (repeatable)",
        "  --cpus N                number of CPUs",
        "  --backend SUBSYS=CHOICE backend choice, e.g. dmapool=6.4 (repeatable)",
        "  --cache-evict none|seed=N,rate=R",
        "                          CPU data cache eviction: none (default, every missing dma_sync shows) or each",
        "                          CPU line access evicts a random cached line with probability R (seeded by N)",
        "  --show VIEW[,VIEW...]   after booting print " + ProcView.ids());

    private static final String COMMANDS_TEXT = String.join("\n",
        "Shell and script commands (in the shell: help, help NAME; -p NAME picks a platform):",
        "  dmasim:    platforms, bootlog, buddyinfo, zoneinfo, pagetypeinfo, backends, help",
        "  mm:        alloc_pages, __free_pages, __get_free_pages, get_zeroed_page, __get_dma_pages, free_pages,",
        "             kmalloc, kzalloc, kfree, ksize, meminfo, vmstat, slabinfo",
        "  cma:       cma_alloc, cma_release, cma_debugfs",
        "  dma:       devices, device, device_create, dma_set_mask, dma_set_coherent_mask, dma_set_mask_and_coherent,",
        "             dma_get_required_mask, dma_get_cache_alignment, dma_max_mapping_size, dma_opt_mapping_size,",
        "             dma_alloc_coherent, dma_alloc_attrs, dma_free_coherent, dma_alloc_pages, dma_free_pages,",
        "             dma_alloc_noncoherent, dma_free_noncoherent, dma_mmap_coherent, dma_declare_coherent_memory,",
        "             allocations, dma_pools, cpu_read, cpu_write, cpu_cache",
        "    streaming: dma_map_single, dma_unmap_single, dma_map_page, dma_unmap_page, dma_map_sg, dma_unmap_sg,",
        "             dma_map_sgtable, dma_unmap_sgtable, dma_map_resource, dma_unmap_resource,",
        "             dma_sync_single_for_cpu, dma_sync_single_for_device, dma_sync_single_range_for_cpu,",
        "             dma_sync_single_range_for_device, dma_sync_sg_for_cpu, dma_sync_sg_for_device,",
        "             dma_sync_sgtable_for_cpu, dma_sync_sgtable_for_device, dma_mapping_error, dma_need_sync,",
        "             mappings, dma_map_benchmark",
        "    bus master: device_read, device_write, device_fill",
        "  swiotlb:   swiotlb_pools, swiotlb_debugfs",
        "  iommu:     iommu_groups, group_type, domains, iova, pgtable, faults, stats, msleep",
        "  dma_debug: debugfs, error_count, num_errors, all_errors, driver_filter, dump, driver_bind, driver_unbind",
        "  dmapool:   dma_pool_create, dmam_pool_create, dma_pool_alloc, dma_pool_zalloc, dma_pool_free,",
        "             dma_pool_destroy, pools, dmapool_test, dmapool_backend",
        "  nic:       probe, remove, xmit, receive, poll, rings, stats       (a ring NIC and its driver)",
        "  blk:       probe, remove, write, read, stats                      (a scatter-gather block device)",
        "  userdma:   probe, spawn, malloc, mmap, maps, pfns, peek, poke, medium, pread, pwrite, xfer, stats",
        "             (a user-space DMA driver and its processes)");

    private static final String UPGRADE_TEXT = String.join("\n",
        "Upgrade check (the same OPTIONS and PROFILE, without --kernel):",
        "  --from 6.1|6.12         the kernel the board runs now (default 6.1)",
        "  --to 6.1|6.12           the kernel it moves to (default: the newest, 6.12)",
        "  --fail-on-loss          exit 3 when a CMA area, a swiotlb or an atomic pool is lost or shrinks",
        "Prints the key boot lines of both kernels as a unified diff, then what changes, in plain words,",
        "each with the line that shows it.");

    private static final String EXIT_TEXT = "Exit status: 0 success, 1 boot or script failure, 2 bad input"
        + " (upgrade --fail-on-loss: 3 when memory for DMA is lost).";

    static final String USAGE = String.join("\n", BOOT_LINE, RUN_LINE, SHELL_LINE, UPGRADE_LINE,
        "       dmasim --help | --version", "", OPTIONS_TEXT, "", UPGRADE_TEXT, "", COMMANDS_TEXT, "", EXIT_TEXT);

    /** What {@code dmasim COMMAND --help} prints: that command's line, the options, and for run/shell the commands. */
    static String usage(Command command) {
        if (command == null) {
            return USAGE;
        }
        return switch (command) {
            case BOOT -> String.join("\n", BOOT_LINE, "", OPTIONS_TEXT, "", EXIT_TEXT);
            case RUN -> String.join("\n", RUN_LINE.replaceFirst("^       ", "Usage: "), "", OPTIONS_TEXT, "",
                COMMANDS_TEXT, "", "A script is Gogo shell syntax, one statement a line; the first failing statement"
                    + " stops it.", "", EXIT_TEXT);
            case SHELL -> String.join("\n", SHELL_LINE.replaceFirst("^       ", "Usage: "), "", OPTIONS_TEXT, "",
                COMMANDS_TEXT, "", "Piped input (echo 'dma:devices' | dmasim shell) runs like a script that goes on"
                    + " after a failure.", "", EXIT_TEXT);
            case UPGRADE -> String.join("\n", UPGRADE_LINE.replaceFirst("^       ", "Usage: "), "", UPGRADE_TEXT, "",
                OPTIONS_TEXT, "", EXIT_TEXT);
            default -> USAGE;
        };
    }

    private static final List<String> OPTIONS = List.of("--profile", "--arch", "--kernel", "--dtb", "--e820", "--mem",
        "--cmdline", "--kconfig", "--cpus", "--show", "--backend", "--cache-evict", "--from", "--to", "--fail-on-loss");
    /** Options that take no value. */
    private static final List<String> FLAGS = List.of("--fail-on-loss");
    /** Options only {@code upgrade} has. */
    private static final List<String> UPGRADE_ONLY = List.of("--from", "--to", "--fail-on-loss");
    private static final Pattern KCONFIG = Pattern.compile("(CONFIG_)?[A-Za-z0-9_]+=.*");

    private OptionParser() {
    }

    public static Options parse(String... args) throws UsageException {
        if (args.length == 0) {
            throw new UsageException("no command (expected boot, run, shell or upgrade; see dmasim --help)");
        }
        Options o = new Options();
        o.command = command(args[0]);
        if (o.command == Command.HELP || o.command == Command.VERSION) {
            return o;
        }
        Cursor in = new Cursor(args);
        List<String> positional = new java.util.ArrayList<>();
        while (in.hasNext()) {
            String arg = in.next();
            if (arg.equals("--help") || arg.equals("-h")) {
                o.helpFor = o.command;
                o.command = Command.HELP;
                return o;
            }
            if (!arg.startsWith("-") || arg.equals("-")) {
                positional.add(arg);
                continue;
            }
            String name = arg;
            String inline = null;
            int eq = arg.indexOf('=');
            if (arg.startsWith("--") && eq > 0) {
                name = arg.substring(0, eq);
                inline = arg.substring(eq + 1);
            }
            if (!OPTIONS.contains(name)) {
                throw new UsageException("unknown option '" + name + "' (see dmasim --help)");
            }
            if (UPGRADE_ONLY.contains(name) && o.command != Command.UPGRADE) {
                throw new UsageException(name + ": an option of dmasim upgrade only");
            }
            if (name.equals("--kernel") && o.command == Command.UPGRADE) {
                throw new UsageException("--kernel: upgrade boots two kernels; name them with --from and --to");
            }
            if (FLAGS.contains(name)) {
                if (inline != null) {
                    throw new UsageException(name + " takes no value");
                }
                o.failOnLoss = true;
                continue;
            }
            option(o, name, inline != null ? inline : in.value(name));
        }
        positionals(o, positional);
        if (o.command == Command.UPGRADE) {
            List<String> kernels = o.upgradeKernels();
            if (kernels.get(0).equals(kernels.get(1))) {
                throw new UsageException("upgrade: --from and --to name the same kernel, " + kernels.get(0)
                    + " (nothing to compare)");
            }
        }
        return o;
    }

    private static Command command(String word) throws UsageException {
        return switch (word) {
            case "boot" -> Command.BOOT;
            case "run" -> Command.RUN;
            case "shell" -> Command.SHELL;
            case "upgrade" -> Command.UPGRADE;
            case "help", "--help", "-h" -> Command.HELP;
            case "version", "--version", "-V" -> Command.VERSION;
            default -> throw new UsageException("unknown command '" + word + "' (expected boot, run, shell or upgrade)");
        };
    }

    private static void option(Options o, String name, String value) throws UsageException {
        switch (name) {
            case "--profile" -> {
                once(name, o.profile);
                o.profile = profile(value);
            }
            case "--arch" -> {
                once(name, o.arch);
                try {
                    o.arch = Arch.parse(value).id();
                } catch (InvalidInputException e) {
                    throw new UsageException("--arch '" + value + "': unknown architecture (expected x86_64 or arm64)");
                }
            }
            case "--kernel" -> o.kernel = kernel(name, o.kernel, value);
            case "--from" -> o.from = kernel(name, o.from, value);
            case "--to" -> o.to = kernel(name, o.to, value);
            case "--dtb" -> {
                once(name, o.dtb);
                String lower = value.toLowerCase(Locale.ROOT);
                if (!lower.endsWith(".dtb") && !lower.endsWith(".dts")) {
                    throw new UsageException("--dtb '" + value + "': expected a .dtb or .dts file");
                }
                o.dtb = existingFile(name, value);
            }
            case "--e820" -> {
                once(name, o.e820);
                o.e820 = existingFile(name, value);
            }
            case "--mem" -> {
                once(name, o.mem);
                o.mem = mem(value);
            }
            case "--cmdline" -> o.cmdline = o.cmdline == null ? value : o.cmdline + " " + value;
            case "--kconfig" -> {
                if (!KCONFIG.matcher(value).matches()) {
                    throw new UsageException("--kconfig '" + value + "': expected KEY=VALUE with KEY made of"
                        + " letters, digits and '_' (e.g. CMA_SIZE_MBYTES=128)");
                }
                o.kconfig.add(value);
            }
            case "--backend" -> {
                if (!value.matches("[a-z0-9.]+=[^=]+")) {
                    throw new UsageException("--backend '" + value + "': expected SUBSYSTEM=CHOICE (e.g. dmapool=6.4)");
                }
                o.backends.add(value);
            }
            case "--cpus" -> {
                once(name, o.cpus);
                o.cpus = cpus(value);
            }
            case "--cache-evict" -> {
                once(name, o.cacheEvict);
                try {
                    o.cacheEvict = CacheEviction.parse(value).toString();
                } catch (IllegalArgumentException e) {
                    throw new UsageException("--cache-evict " + e.getMessage());
                }
            }
            case "--show" -> {
                for (String v : value.split(",", -1)) {
                    try {
                        ProcView view = ProcView.parse(v.trim());
                        if (!o.show.contains(view)) {
                            o.show.add(view);
                        }
                    } catch (IllegalArgumentException e) {
                        throw new UsageException("--show: " + e.getMessage());
                    }
                }
            }
            default -> throw new AssertionError(name); // OPTIONS and this switch list the same names
        }
    }

    /** boot/shell: {@code [PROFILE]}; run: {@code [PROFILE] SCRIPT}. */
    private static void positionals(Options o, List<String> positional) throws UsageException {
        if (o.command == Command.RUN) {
            if (positional.isEmpty()) {
                throw new UsageException("run: missing SCRIPT (usage: dmasim run [OPTIONS] [PROFILE] SCRIPT)");
            }
            o.script = existingFile("run: SCRIPT", positional.remove(positional.size() - 1));
        }
        if (positional.size() > 1) {
            throw new UsageException(o.command.name().toLowerCase(Locale.ROOT) + ": unexpected argument '"
                + positional.get(1) + "'");
        }
        if (!positional.isEmpty()) {
            if (o.profile != null) {
                throw new UsageException("profile given twice: '" + positional.get(0) + "' and --profile");
            }
            o.profile = profile(positional.get(0));
        }
    }

    /** A kernel version dmasim models, as written ({@code 6.12}), given once. */
    private static String kernel(String name, String current, String value) throws UsageException {
        once(name, current);
        try {
            return Kconfig.requireModelled(KernelVersion.parse(value)).toString();
        } catch (InvalidInputException e) {
            throw new UsageException(name + ": " + e.getMessage());
        }
    }

    private static void once(String name, Object current) throws UsageException {
        if (current != null) {
            throw new UsageException(name + " given twice");
        }
    }

    /** A profile name as is; a path (it names a directory or exists) as an absolute file. */
    private static String profile(String value) throws UsageException {
        if (value.isEmpty()) {
            throw new UsageException("--profile: empty value (expected a profile name or file)");
        }
        Path p = Path.of(value);
        if (value.contains("/") || value.contains(java.io.File.separator) || Files.exists(p)) {
            return existingFile("--profile", value).toString();
        }
        return value;
    }

    private static Path existingFile(String what, String value) throws UsageException {
        Path p = Path.of(value).toAbsolutePath().normalize();
        if (!Files.isRegularFile(p)) {
            throw new UsageException(what + " '" + value + "': no such file");
        }
        if (!Files.isReadable(p)) {
            throw new UsageException(what + " '" + value + "': file is not readable");
        }
        return p;
    }

    /** {@code SIZE@BASE[,SIZE@BASE...]}, each number in memparse syntax (0x.., K/M/G/T suffixes). */
    private static String mem(String value) throws UsageException {
        for (String bank : value.split(",", -1)) {
            int at = bank.indexOf('@');
            if (at < 0) {
                throw new UsageException("--mem '" + bank + "': expected SIZE@BASE (e.g. 2G@0x40000000)");
            }
            try {
                long size = Memparse.parseSize("--mem size", bank.substring(0, at));
                Memparse.parseSize("--mem base", bank.substring(at + 1));
                if (size == 0) {
                    throw new UsageException("--mem '" + bank + "': size must not be 0");
                }
            } catch (InvalidInputException e) {
                throw new UsageException(e.getMessage());
            }
        }
        return value;
    }

    private static int cpus(String value) throws UsageException {
        try {
            int n = Integer.parseInt(value);
            if (n >= 1) {
                return n;
            }
        } catch (NumberFormatException e) {
            // fall through to the message
        }
        throw new UsageException("--cpus '" + value + "': expected a whole number >= 1");
    }

    /** Walks the arguments after the command word. */
    private static final class Cursor {
        private final String[] args;
        private int next = 1;

        Cursor(String[] args) {
            this.args = args;
        }

        boolean hasNext() {
            return next < args.length;
        }

        String next() {
            return args[next++];
        }

        /** The value of option {@code name}: the next argument, which must exist and not be an option. */
        String value(String name) throws UsageException {
            if (!hasNext() || args[next].startsWith("--")) {
                throw new UsageException(name + ": missing value");
            }
            return next();
        }
    }
}
