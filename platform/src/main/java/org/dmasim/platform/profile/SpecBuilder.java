package org.dmasim.platform.profile;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.dmasim.api.backend.Backends;
import org.dmasim.api.dt.DeviceTree;
import org.dmasim.api.dt.DeviceTreeException;
import org.dmasim.api.dt.DtNode;
import org.dmasim.api.dt.DtProperty;
import org.dmasim.api.mem.CacheEviction;
import org.dmasim.api.platform.Arch;
import org.dmasim.api.platform.BootLoader;
import org.dmasim.api.platform.E820Entry;
import org.dmasim.api.platform.InvalidInputException;
import org.dmasim.api.platform.KernelCmdline;
import org.dmasim.api.platform.Kconfig;
import org.dmasim.api.platform.KernelVersion;
import org.dmasim.api.platform.MemoryRange;
import org.dmasim.api.platform.PlatformConfig;
import org.dmasim.api.platform.PlatformSpec;
import org.dmasim.platform.dt.DeviceTreeFiles;
import org.dmasim.platform.dt.DtbWriter;
import org.dmasim.platform.dt.DtsSource;
import org.dmasim.platform.dt.IncludeResolver;
import org.dmasim.platform.dt.InputFiles;

/**
 * Turns a platform configuration (a profile plus overrides, keys of {@link PlatformConfig})
 * into a {@link PlatformSpec}. The kernel version ({@code kernel}) picks the Kconfig defaults
 * the profile's and the configuration's {@code kconfig} entries then override. An option
 * replaces what the profile says: {@code cmdline} the
 * profile's command line, {@code dtb}/{@code e820} its firmware description, {@code mem} its
 * RAM; {@code kconfig} entries override single options. Without a profile, the default profile
 * of the requested architecture is used.
 */
public final class SpecBuilder {
    public static final String DEFAULT_ARM64 = "qemu-virt-arm64";
    public static final String DEFAULT_X86 = "pc-x86_64";

    private SpecBuilder() {
    }

    public static PlatformSpec build(Map<String, ?> config) {
        try {
            return buildSpec(config);
        } catch (java.nio.file.InvalidPathException e) {
            throw new InvalidInputException("'" + e.getInput() + "': not a valid file name (" + e.getReason() + ")");
        }
    }

    private static PlatformSpec buildSpec(Map<String, ?> config) {
        String profileName = str(config, PlatformConfig.PROFILE).orElse(null);
        Optional<String> archOpt = str(config, PlatformConfig.ARCH);
        if (profileName == null) {
            profileName = archOpt.map(Arch::parse).orElse(Arch.ARM64) == Arch.X86_64 ? DEFAULT_X86 : DEFAULT_ARM64;
        }
        Profile profile = ProfileLoader.load(profileName);
        Arch arch = archOpt.map(Arch::parse).orElseGet(() -> profile.value("arch").map(Arch::parse)
            .orElseThrow(() -> new InvalidInputException("profile " + profile.name() + ": no 'arch' key")));
        String name = str(config, PlatformConfig.NAME).orElse(profile.name());

        Optional<DeviceTree> dt = Optional.empty();
        Optional<LoaderSettings.BlobSizes> blob = Optional.empty();
        List<E820Entry> e820 = List.of();
        if (arch == Arch.ARM64) {
            Optional<String> dtbOpt = str(config, PlatformConfig.DTB);
            ProfileSource dtSource = null;
            if (dtbOpt.isPresent()) {
                dtSource = ProfileSource.file(Path.of(dtbOpt.get()));
            } else if (profile.get("dtb").isPresent() && profileArchMatches(profile, arch)) {
                Profile.Setting s = profile.get("dtb").get();
                dtSource = s.origin().resolve(s.value());
            }
            if (dtSource != null) {
                byte[] bytes = dtSource.read();
                DeviceTree tree = loadDeviceTree(dtSource, bytes);
                dt = Optional.of(tree);
                blob = Optional.of(blobSizes(tree, bytes));
            }
        } else {
            Optional<String> e820Opt = str(config, PlatformConfig.E820);
            if (e820Opt.isPresent()) {
                ProfileSource src = ProfileSource.file(Path.of(e820Opt.get()));
                e820 = E820File.parse(src.readText(), src.displayName());
            } else if (profile.get("e820").isPresent() && profileArchMatches(profile, arch)) {
                Profile.Setting s = profile.get("e820").get();
                ProfileSource src = s.origin().resolve(s.value());
                e820 = E820File.parse(src.readText(), src.displayName());
            }
        }

        List<MemoryRange> mem = List.of();
        Optional<String> memOpt = str(config, PlatformConfig.MEM).or(() -> profile.value("mem"));
        if (memOpt.isPresent() && !memOpt.get().isBlank()) {
            mem = MemBanks.parse(memOpt.get());
        }
        if (arch == Arch.ARM64 && dt.isEmpty() && mem.isEmpty()) {
            throw new InvalidInputException("arm64 platform " + name + ": no device tree (--dtb FILE) and no RAM banks (--mem)");
        }
        if (arch == Arch.X86_64 && e820.isEmpty() && mem.isEmpty()) {
            throw new InvalidInputException("x86_64 platform " + name + ": no e820 map (--e820 FILE) and no RAM banks (--mem)");
        }

        LoaderSettings.Cmdline cmdline = LoaderSettings.cmdline(config, profile, dt, str(config, PlatformConfig.CMDLINE));
        BootLoader loader = LoaderSettings.resolve(config, profile, blob, cmdline.remark());

        Kconfig kconfig = Kconfig.defaults(arch, kernel(config, profile));
        for (Map.Entry<String, Profile.Setting> e : profile.settings().entrySet()) {
            if (e.getKey().startsWith("kconfig.")) {
                kconfig = kconfig.with(e.getKey().substring(8), e.getValue().value());
            }
        }
        for (String kv : list(config.get(PlatformConfig.KCONFIG))) {
            int eq = kv.indexOf('=');
            if (eq <= 0) {
                throw new InvalidInputException("kconfig '" + kv + "': expected KEY=VALUE");
            }
            kconfig = kconfig.with(kv.substring(0, eq).strip(), kv.substring(eq + 1).strip());
        }

        int cpus = cpus(config, profile, dt);
        return new PlatformSpec(name, arch, dt, e820, mem, KernelCmdline.boot(cmdline.text()), kconfig, cpus,
            backends(config, profile), loader, cacheEviction(config, profile));
    }

    /** {@code cache.evict}: the configuration's, else the profile's, else none. */
    static CacheEviction cacheEviction(Map<String, ?> config, Profile profile) {
        Optional<String> v = str(config, PlatformConfig.CACHE_EVICT).or(() -> profile.value(PlatformConfig.CACHE_EVICT));
        if (v.isEmpty()) {
            return CacheEviction.NONE;
        }
        try {
            return CacheEviction.parse(v.get());
        } catch (IllegalArgumentException e) {
            throw new InvalidInputException(PlatformConfig.CACHE_EVICT + " = " + e.getMessage());
        }
    }

    /**
     * The kernel version: the configuration's {@code kernel}, else the profile's, else dmasim's
     * default; it must be one dmasim models.
     */
    static KernelVersion kernel(Map<String, ?> config, Profile profile) {
        Optional<String> v = str(config, PlatformConfig.KERNEL).or(() -> profile.value(PlatformConfig.KERNEL));
        if (v.isEmpty() || v.get().isBlank()) {
            return Kconfig.defaultKernel();
        }
        return Kconfig.requireModelled(KernelVersion.parse(v.get()));
    }

    /**
     * Backend selections: profile keys {@code backend.<subsystem> = <choice>}, overridden by
     * configuration keys of the same name (and by {@code backend} entries "subsystem=choice").
     * Each backend validates its own choice when it boots.
     */
    static Map<String, String> backends(Map<String, ?> config, Profile profile) {
        Map<String, String> out = new java.util.TreeMap<>();
        for (Map.Entry<String, Profile.Setting> e : profile.settings().entrySet()) {
            if (e.getKey().startsWith(PlatformConfig.BACKEND_PREFIX)) {
                out.put(e.getKey().substring(PlatformConfig.BACKEND_PREFIX.length()), e.getValue().value());
            }
        }
        for (Map.Entry<String, ?> e : config.entrySet()) {
            if (e.getKey().startsWith(PlatformConfig.BACKEND_PREFIX)) {
                out.put(e.getKey().substring(PlatformConfig.BACKEND_PREFIX.length()), String.valueOf(e.getValue()));
            }
        }
        for (String kv : list(config.get(PlatformConfig.BACKEND))) {
            int eq = kv.indexOf('=');
            if (eq <= 0) {
                throw new InvalidInputException("backend '" + kv + "': expected SUBSYSTEM=CHOICE (e.g. dmapool=6.4)");
            }
            out.put(kv.substring(0, eq).strip(), kv.substring(eq + 1).strip());
        }
        if (out.containsKey(Backends.OPTION)) {
            throw new InvalidInputException("backend " + Backends.OPTION + "=" + out.get(Backends.OPTION)
                + ": '" + Backends.OPTION + "' is not a subsystem (the profile key '" + Backends.PROFILE_KEY
                + "' lists the backends a platform needs)");
        }
        profile.value(Backends.PROFILE_KEY).ifPresent(v -> out.put(Backends.OPTION, String.join(", ", Backends.parse(v))));
        return out;
    }

    private static boolean profileArchMatches(Profile p, Arch arch) {
        return p.value("arch").map(Arch::parse).map(a -> a == arch).orElse(true);
    }

    private static int cpus(Map<String, ?> config, Profile profile, Optional<DeviceTree> dt) {
        Optional<String> v = str(config, PlatformConfig.CPUS).or(() -> profile.value("cpus"));
        if (v.isPresent()) {
            try {
                int n = Integer.parseInt(v.get().strip());
                if (n < 1 || n > 8192) {
                    throw new NumberFormatException();
                }
                return n;
            } catch (NumberFormatException e) {
                throw new InvalidInputException("cpus=" + v.get() + ": expected a CPU count from 1 to 8192");
            }
        }
        if (dt.isPresent()) {
            Optional<DtNode> cpusNode = dt.get().find("/cpus");
            if (cpusNode.isPresent()) {
                int n = 0;
                for (DtNode c : cpusNode.get().children()) {
                    boolean isCpu = c.property("device_type").map(DtProperty::string).orElse("").equals("cpu");
                    if (isCpu && c.isAvailable()) {
                        n++;
                    }
                }
                if (n > 0) {
                    return n;
                }
            }
        }
        return 1;
    }

    /** DTB or DTS by content (see {@link DeviceTreeFiles}); includes resolve next to the file. */
    static DeviceTree loadDeviceTree(ProfileSource src) {
        return loadDeviceTree(src, src.read());
    }

    /**
     * The blob a loader gets from this input: a DTB is loaded as it is (header totalsize); a
     * source file as {@code dtc} would compile it.
     */
    private static LoaderSettings.BlobSizes blobSizes(DeviceTree tree, byte[] bytes) {
        if (DeviceTreeFiles.isDtb(bytes) && bytes.length >= 8) {
            long total = ((bytes[4] & 0xffL) << 24) | ((bytes[5] & 0xff) << 16) | ((bytes[6] & 0xff) << 8) | (bytes[7] & 0xff);
            return new LoaderSettings.BlobSizes(bytes.length, total);
        }
        long compiled = DtbWriter.write(tree).length;
        return new LoaderSettings.BlobSizes(compiled, compiled);
    }

    private static DeviceTree loadDeviceTree(ProfileSource src, byte[] bytes) {
        IncludeResolver resolver = (from, path) -> {
            ProfileSource inc;
            try {
                inc = src.resolve(path);
            } catch (java.nio.file.InvalidPathException e) {
                return Optional.empty();
            }
            if (!inc.exists()) {
                return Optional.empty();
            }
            try {
                return Optional.of(new DtsSource(inc.displayName(), inc.readText()));
            } catch (InvalidInputException e) {
                throw new InputFiles.UnreadableException(e.getMessage());
            }
        };
        try {
            return DeviceTreeFiles.load(bytes, src.displayName(), resolver);
        } catch (DeviceTreeException e) {
            throw new InvalidInputException(e.getMessage(), e);
        }
    }

    private static Optional<String> str(Map<String, ?> config, String key) {
        Object v = config.get(key);
        if (v == null) {
            return Optional.empty();
        }
        if (v instanceof String[] a) {
            return a.length == 0 ? Optional.empty() : Optional.of(String.join(" ", a));
        }
        String s = v.toString();
        return s.isEmpty() && !key.equals(PlatformConfig.CMDLINE) ? Optional.empty() : Optional.of(s);
    }

    private static List<String> list(Object v) {
        List<String> out = new ArrayList<>();
        if (v == null) {
            return out;
        }
        if (v instanceof String[] a) {
            for (String s : a) {
                if (!s.isBlank()) {
                    out.add(s.strip());
                }
            }
        } else if (v instanceof Iterable<?> it) {
            for (Object o : it) {
                out.add(o.toString().strip());
            }
        } else {
            for (String s : v.toString().split(",")) {
                if (!s.isBlank()) {
                    out.add(s.strip());
                }
            }
        }
        return out;
    }
}
