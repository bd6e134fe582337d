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
        BOOT, RUN, SHELL, HELP, VERSION
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
        Hashtable<String, Object> props = new Hashtable<>();
        props.put(PlatformConfig.NAME, platformName());
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
