package org.dmasim.devices;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.EnumSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;
import org.dmasim.api.platform.Memparse;
import org.dmasim.api.platform.Platform;
import org.dmasim.devices.api.BusLimits;
import org.dmasim.devices.api.DriverBug;

/**
 * What the {@code nic} and {@code blk} scopes read from a script: the platform, numbers and sizes,
 * bytes given as a hex pattern, driver bugs and the engine's limits; and how they show bytes.
 * Every refusal names the input and the rule.
 */
final class ShellArgs {
    static final String PLATFORM = "platform name (default: the only one)";
    static final String DEVICE = "device name (dma:devices lists them)";
    static final String DATA = "the bytes as hex, e.g. aa or 0800451c; repeated to LEN bytes";
    static final String BITS = "address lines the device's DMA engine drives (default 64)";
    static final String MASK = "the DMA mask the driver sets, in bits (default: the engine's width)";
    static final String MAX_SEG = "the engine's longest descriptor, bytes (dma_set_max_seg_size)";
    static final String BOUNDARY = "a mask 2^n - 1 no descriptor may cross (dma_set_seg_boundary)";
    /** Kept in step with {@link DriverBug} by ShellArgsTest. */
    static final String BUGS = "driver bugs joined by ',': missing_rx_sync_for_cpu, ignores_segment_limits";
    /** How many bytes a result shows before it abbreviates. */
    static final int PREVIEW = 16;

    private ShellArgs() {
    }

    /** The named platform, or the only one. */
    static Platform platform(List<Platform> platforms, String name) {
        List<Platform> all = new ArrayList<>(platforms == null ? List.of() : platforms);
        all.sort(Comparator.comparing(Platform::name));
        String names = all.stream().map(Platform::name).collect(Collectors.joining(", "));
        if (name.isEmpty()) {
            if (all.size() == 1) {
                return all.get(0);
            }
            throw new IllegalArgumentException(all.isEmpty() ? "no platform exists (start dmasim with boot/run/shell)"
                : "several platforms exist (" + names + "): name one with -p NAME");
        }
        return all.stream().filter(p -> p.name().equals(name)).findFirst().orElseThrow(() ->
            new IllegalArgumentException("no platform named '" + name + "' (platforms: "
                + (all.isEmpty() ? "none" : names) + ")"));
    }

    /** The driver bound to a device, or an error naming the probe of the scope that binds one. */
    static <T> T bound(Optional<T> driver, String scope, Platform p, String device) {
        return driver.orElseThrow(() -> new IllegalArgumentException(scope + ": no driver bound to '" + device
            + "' on platform '" + p.name() + "' (bind one with " + scope + ":probe " + device + ")"));
    }

    /** A size or a number: 4096, 0x1000 or 4K. */
    static long size(String what, String text) {
        return Memparse.parseSize(what, text.strip());
    }

    /** A number within [min, max]. */
    static long within(String what, String text, long min, long max) {
        long v = size(what, text);
        if (v < min || v > max) {
            throw new IllegalArgumentException(what + ": " + text + " (expected: " + min + ".." + max + ")");
        }
        return v;
    }

    /** {@code hex} repeated to {@code len} bytes (the pattern once when len is empty). */
    static byte[] bytes(String hex, String len, long maxLen) {
        String h = hex.strip();
        if (h.startsWith("0x") || h.startsWith("0X")) {
            h = h.substring(2);
        }
        byte[] pattern;
        try {
            pattern = h.isEmpty() ? new byte[0] : HexFormat.of().parseHex(h);
        } catch (IllegalArgumentException e) {
            pattern = new byte[0];
        }
        if (pattern.length == 0) {
            throw new IllegalArgumentException("data: '" + hex + "' (expected: hex bytes, two digits each, such as"
                + " aa or 0800451c)");
        }
        long n = len.isEmpty() ? pattern.length : within("len", len, 1, maxLen);
        byte[] out = new byte[(int) n];
        for (int i = 0; i < out.length; i++) {
            out[i] = pattern[i % pattern.length];
        }
        return out;
    }

    /** The first {@link #PREVIEW} bytes in hex, then how many more there are. */
    static String preview(byte[] b) {
        int n = Math.min(b.length, PREVIEW);
        String head = HexFormat.ofDelimiter(" ").formatHex(b, 0, n);
        return b.length > n ? head + " ... (" + b.length + " bytes)" : head + " (" + b.length + " bytes)";
    }

    /** Bugs by name, joined by ','; empty for none. */
    static Set<DriverBug> bugs(String text) {
        Set<DriverBug> out = EnumSet.noneOf(DriverBug.class);
        for (String name : text.split(",")) {
            String n = name.strip().toUpperCase(Locale.ROOT);
            if (n.isEmpty()) {
                continue;
            }
            try {
                out.add(DriverBug.valueOf(n));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("bug: '" + name.strip() + "' (expected: " + bugNames() + ")");
            }
        }
        return out;
    }

    static String bugNames() {
        return java.util.Arrays.stream(DriverBug.values()).map(b -> b.name().toLowerCase(Locale.ROOT))
            .collect(Collectors.joining(", "));
    }

    static String shown(Set<DriverBug> bugs) {
        return bugs.isEmpty() ? "none" : bugs.stream().map(b -> b.name().toLowerCase(Locale.ROOT)).sorted()
            .collect(Collectors.joining(","));
    }

    /** The engine's limits from the probe options; empty texts keep the kernel's defaults. */
    static BusLimits limits(String bits, String maxSeg, String boundary, BusLimits defaults) {
        int b = (int) within("bits", bits, 1, 64);
        long seg = maxSeg.isEmpty() ? defaults.maxSegmentSize() : size("max-seg", maxSeg);
        long bound = boundary.isEmpty() ? defaults.segmentBoundary() : size("boundary", boundary);
        return new BusLimits(b, seg, bound);
    }

    /** The mask width the driver sets: the option, or the engine's width. */
    static int maskBits(String mask, int engineBits) {
        return mask.isEmpty() ? engineBits : (int) within("mask", mask, 1, 64);
    }
}
