package org.dmasim.platform.profile;

import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import org.dmasim.api.dt.DeviceTree;
import org.dmasim.api.dt.DtProperty;
import org.dmasim.api.platform.BootLoader;
import org.dmasim.api.platform.InvalidInputException;
import org.dmasim.api.platform.Memparse;
import org.dmasim.api.platform.PlatformConfig;

/**
 * The boot loader's part of a platform: where it puts the kernel Image and the device-tree blob,
 * how large the blob is, and which command line the kernel gets. Each setting is a configuration
 * key or a profile key ({@code kernel.base}, {@code dtb.base}, {@code dtb.size}); the
 * configuration wins.
 *
 * <p>The command line follows {@code --cmdline} &gt; the profile's {@code cmdline} &gt; the
 * tree's {@code /chosen/bootargs}, as on a real arm64 boot: the kernel reads its command line
 * from {@code /chosen/bootargs}, and a loader that is given one (QEMU's {@code -append}) writes
 * it there, replacing what the tree had.
 *
 * <p>{@code dtb.size}: {@code file} is the blob's own {@code totalsize} (for a source file, the
 * size {@code dtc} would give it); {@code qemu-dtb} is what QEMU's {@code load_device_tree} makes
 * of a {@code -dtb} file, (file size + 10000) × 2; a size ({@code 1M}) is taken as it is (QEMU's
 * virt machine builds a 1 MiB blob).
 */
final class LoaderSettings {
    /** QEMU's device_tree.c pads a -dtb file by this much before doubling it. */
    static final long QEMU_DTB_EXTRA = 10000;

    private LoaderSettings() {
    }

    /** The blob's sizes: the input file's length and the header's totalsize. */
    record BlobSizes(long fileSize, long totalSize) {
    }

    record Cmdline(String text, String remark) {
    }

    static Cmdline cmdline(Map<String, ?> config, Profile profile, Optional<DeviceTree> dt, Optional<String> given) {
        Optional<String> bootargs = dt.flatMap(t -> t.find("/chosen")).flatMap(n -> n.property("bootargs"))
            .map(DtProperty::string);
        String treeName = dt.map(DeviceTree::source).orElse("");
        if (given.isPresent()) {
            return new Cmdline(given.get(), bootargs.map(b -> "command line from --cmdline; /chosen/bootargs of "
                + treeName + " (\"" + b + "\") is not used (a loader's command line replaces it)").orElse(""));
        }
        Optional<String> fromProfile = profile.value("cmdline");
        if (fromProfile.isPresent()) {
            return new Cmdline(fromProfile.get(), bootargs.map(b -> "command line from profile " + profile.name()
                + "; /chosen/bootargs of " + treeName + " (\"" + b + "\") is not used (a loader's command line"
                + " replaces it; use a profile without cmdline, such as arm64-board, to boot with it)").orElse(""));
        }
        if (bootargs.isPresent()) {
            return new Cmdline(bootargs.get(), "command line from /chosen/bootargs of " + treeName
                + " (neither --cmdline nor the profile gives one)");
        }
        return new Cmdline("", "");
    }

    static BootLoader resolve(Map<String, ?> config, Profile profile, Optional<BlobSizes> blob, String cmdlineRemark) {
        OptionalLong kernelBase = address(config, profile, PlatformConfig.KERNEL_BASE);
        OptionalLong dtbBase = address(config, profile, PlatformConfig.DTB_BASE);
        String sizeRule = setting(config, profile, PlatformConfig.DTB_SIZE).orElse("file");
        long size;
        String how;
        if (sizeRule.equals("file")) {
            size = blob.map(BlobSizes::totalSize).orElse(0L);
            how = "the blob's own totalsize";
        } else if (sizeRule.equals("qemu-dtb")) {
            size = blob.map(b -> (b.fileSize() + QEMU_DTB_EXTRA) * 2).orElse(0L);
            how = "(file size + " + QEMU_DTB_EXTRA + ") x 2, as QEMU loads a -dtb file";
        } else if (Character.isDigit(sizeRule.charAt(0))) {
            size = Memparse.parseSize(PlatformConfig.DTB_SIZE, sizeRule);
            how = PlatformConfig.DTB_SIZE + " = " + sizeRule;
        } else {
            throw new InvalidInputException(PlatformConfig.DTB_SIZE + " = " + sizeRule + ": expected 'file' (the blob's"
                + " totalsize), 'qemu-dtb' ((file size + 10000) x 2, as QEMU loads a -dtb file) or a size such as 1M");
        }
        return new BootLoader(kernelBase, dtbBase, size, how, cmdlineRemark);
    }

    private static OptionalLong address(Map<String, ?> config, Profile profile, String key) {
        Optional<String> v = setting(config, profile, key);
        if (v.isEmpty() || v.get().equals("auto")) {
            return OptionalLong.empty();
        }
        String s = v.get();
        Memparse.Result r = Memparse.parse(s, 0);
        if (r.end() != s.length() || r.end() == 0) {
            throw new InvalidInputException(key + " = " + s + ": expected 'auto' or a physical address such as"
                + " 0x40200000");
        }
        return OptionalLong.of(r.value());
    }

    private static Optional<String> setting(Map<String, ?> config, Profile profile, String key) {
        Object v = config.get(key);
        if (v != null && !v.toString().isBlank()) {
            return Optional.of(v.toString().strip());
        }
        return profile.value(key).map(String::strip);
    }
}
