package org.dmasim.launcher;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Dictionary;
import java.util.Hashtable;
import java.util.List;
import org.dmasim.api.platform.PlatformConfig;
import org.dmasim.shell.format.ProcView;

/**
 * A parsed command line. Fields that were not given are null (or empty lists); the platform
 * then uses its profile's values.
 */
public final class Options {
    /** What to do after the platform booted. */
    public enum Command {
        BOOT, RUN, SHELL, UPGRADE, HELP, VERSION
    }

    /**
     * The profile a command line without {@code --profile} boots: the platform bundle's default
     * for the architecture. Named here too so that the platform is named after it.
     */
    static final String DEFAULT_PROFILE_ARM64 = "qemu-virt-arm64";
    static final String DEFAULT_PROFILE_X86_64 = "pc-x86_64";

    Command command;
    /** For {@link Command#HELP}: the command whose {@code --help} was asked (null: the whole usage). */
    Command helpFor;
    String profile;
    String arch;
    /** {@code --kernel}: the Linux version boot/run/shell boot (null: the profile's, else 6.1). */
    String kernel;
    /** {@code upgrade --from}: the kernel the board runs now (null: dmasim's default kernel). */
    String from;
    /** {@code upgrade --to}: the kernel it moves to (null: the newest dmasim models). */
    String to;
    /** {@code upgrade --fail-on-loss}: exit 3 when a CMA area, a swiotlb or an atomic pool is lost or shrinks. */
    boolean failOnLoss;
    Path dtb;
    Path e820;
    String mem;
    String cmdline;
    final List<String> kconfig = new ArrayList<>();
    final List<String> backends = new ArrayList<>();
    Integer cpus;
    /** {@code none} or {@code seed=N,rate=R}, normalised. */
    String cacheEvict;
    final List<ProcView> show = new ArrayList<>();
    Path script;

    public Command command() {
        return command;
    }

    public Path script() {
        return script;
    }

    public Command helpFor() {
        return helpFor;
    }

    public List<ProcView> show() {
        return List.copyOf(show);
    }

    /** The profile this command line boots: the one given, else the architecture's default. */
    public String profile() {
        if (profile != null) {
            return profile;
        }
        return org.dmasim.api.platform.Arch.X86_64.id().equals(arch) ? DEFAULT_PROFILE_X86_64 : DEFAULT_PROFILE_ARM64;
    }

    /** The platform's name: the profile's name (a profile file's name without extension). */
    public String platformName() {
        String file = Path.of(profile()).getFileName().toString();
        int dot = file.lastIndexOf('.');
        return dot > 0 ? file.substring(0, dot) : file;
    }

    /** The factory configuration ({@link PlatformConfig}) for this command line. */
    public Dictionary<String, Object> toConfiguration() {
        return toConfiguration(platformName(), kernel);
    }

    /** The kernels {@code upgrade} compares: from, then to. */
    public List<String> upgradeKernels() {
        String older = from != null ? from : org.dmasim.api.platform.Kconfig.defaultKernel().toString();
        List<org.dmasim.api.platform.KernelVersion> all = org.dmasim.api.platform.Kconfig.kernels();
        String newer = to != null ? to : all.get(all.size() - 1).toString();
        return List.of(older, newer);
    }

    /** The platform {@code upgrade} boots with {@code kernel}: the profile's name and the kernel. */
    public String platformName(String kernel) {
        return platformName() + "@" + kernel;
    }

    /** The configuration of a platform named {@code name} running {@code kernel} (null: the profile's). */
    public Dictionary<String, Object> toConfiguration(String name, String kernel) {
        Hashtable<String, Object> props = new Hashtable<>();
        props.put(PlatformConfig.NAME, name);
        putIfSet(props, PlatformConfig.KERNEL, kernel);
        putIfSet(props, PlatformConfig.PROFILE, profile());
        putIfSet(props, PlatformConfig.ARCH, arch);
        putIfSet(props, PlatformConfig.DTB, dtb == null ? null : dtb.toString());
        putIfSet(props, PlatformConfig.E820, e820 == null ? null : e820.toString());
        putIfSet(props, PlatformConfig.MEM, mem);
        putIfSet(props, PlatformConfig.CMDLINE, cmdline);
        putIfSet(props, PlatformConfig.CPUS, cpus);
        putIfSet(props, PlatformConfig.CACHE_EVICT, cacheEvict);
        if (!kconfig.isEmpty()) {
            props.put(PlatformConfig.KCONFIG, kconfig.toArray(new String[0]));
        }
        if (!backends.isEmpty()) {
            props.put(PlatformConfig.BACKEND, backends.toArray(new String[0]));
        }
        return props;
    }

    private static void putIfSet(Hashtable<String, Object> props, String key, Object value) {
        if (value != null) {
            props.put(key, value);
        }
    }
}
