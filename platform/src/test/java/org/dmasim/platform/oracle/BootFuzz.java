package org.dmasim.platform.oracle;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.dmasim.api.boot.BootParticipant;
import org.dmasim.api.dt.DeviceTree;
import org.dmasim.api.dt.DtNode;
import org.dmasim.api.dt.DtProperty;
import org.dmasim.api.platform.InvalidInputException;
import org.dmasim.api.platform.LogLine;
import org.dmasim.api.platform.PlatformConfig;
import org.dmasim.api.platform.PlatformSpec;
import org.dmasim.platform.boot.BootResult;
import org.dmasim.platform.dt.DtbParser;
import org.dmasim.platform.dt.DtbWriter;
import org.dmasim.platform.profile.SpecBuilder;

/**
 * Whole-boot fuzzing: mutated device trees (binary and source), e820 maps and command lines
 * from the real-boot test resources, each booted from its file through the same path as the
 * CLI (SpecBuilder, then every boot phase). A case passes when the boot either succeeds or
 * stops with an {@link InvalidInputException}-style failure, when no message or log line shows
 * a Java class name or "internal error", and when it ends within {@link #CASE_LIMIT}.
 *
 * <p>Mutations are structure-aware so that most cases get past the parsers into the boot:
 * cells set to boundary values, properties cut or grown, cell counts changed, reserved-memory
 * regions, memory banks, dma-ranges and /memreserve/ entries added; command lines are built
 * from the memory-shaping parameters with sizes at and past their limits.
 */
public final class BootFuzz {
    /** Per case; a boot takes tens of milliseconds, so this only catches hangs. */
    static final Duration CASE_LIMIT = Duration.ofSeconds(20);

    private static final String[] ARM64_CASES = {"a64-1G-default", "a64-4G-default", "a64-4G-smmuv3",
        "a64-dtb-2bank-2G+2G", "a64-dtb-2bank-2G+2G-rmcma256M", "a64-dtb-4G-dmaranges31", "a64-8G-default"};
    private static final String[] X86_CASES = {"x86-4G-default", "x86-8G-default", "x86-4G-mem2G"};
    /** Real board trees (test resources {@code boards/}) with the --mem each needs (null: its memory node). */
    private static final String[][] BOARDS = {{"bcm2837-rpi-3-b", null}, {"meson-gxl-s905x-libretech-cc", null},
        {"rk3328-rock64", "1G@0x0"}, {"sun50i-a64-pine64-plus", "1G@0x40000000"}, {"imx8mn-bsh-smm-s2", null},
        {"juno", null}, {"fvp-base-revc", null}, {"sm6125-sony-xperia-seine-pdx201", "4G@0x40000000"},
        {"armada-3720-espressobin", null}, {"k3-am625-sk", null}, {"tegra132-norrin", null},
        {"zynqmp-zc1275-revA", null}};
    /** Boot loader settings (kernel.base, dtb.base, dtb.size), good and bad. */
    private static final String[] LOADER_VALUES = {"auto", "0x40200000", "0x200000", "0x80000000", "0x1000", "0",
        "0xfffffffffffff000", "garbage", "1M", "file", "qemu-dtb", "0x10000000"};
    private static final long[] CELLS = {0, 1, 2, 3, 4, 5, 0x1000, 0x200000, 0x40000000, 0x7fffffffL, 0x80000000L,
        0xfffff000L, 0xffffffffL};
    private static final String[] SIZES = {"", "0", "1", "4097", "garbage", "12Q", "16384P", "99999999999999999999",
        "64M", "1G", "2G", "0x40000000", "8G", "16E", "-1", "1G@", "0x"};
    private static final Pattern JAVA_NAME = Pattern.compile(
        "\\b(java|javax|org\\.dmasim|sun|jdk)\\.[\\w.$]+|\\w+(Exception|Error)\\b|internal error");
    private static final Pattern NUMBER = Pattern.compile("\\b(0x[0-9a-fA-F]+|\\d+)\\b");

    private final Random random;
    private final Path dir;
    private final BootParticipant[] extra;
    private int caseNo;
    /** Outcomes, to see that the mutations reach the boot: [booted, refused while reading, refused while booting]. */
    private final int[] outcomes = new int[3];
    /** The first case of each distinct failure (by its message with numbers removed). */
    private final Map<String, String> failures = new LinkedHashMap<>();
    /** With -Ddmasim.fuzz.show=true: one example of each refusal, to review the messages. */
    private final Map<String, String> refusals = new java.util.TreeMap<>();

    public BootFuzz(long seed, Path dir, BootParticipant... extra) {
        this.random = new Random(seed);
        this.dir = dir;
        this.extra = extra;
    }

    /** Where the cases' input files go: {@code -Ddmasim.fuzz.dir=DIR} keeps them for a rerun by hand. */
    public static Path inputDir(Path temporary) throws IOException {
        String kept = System.getProperty("dmasim.fuzz.dir");
        return kept == null ? temporary : Files.createDirectories(Path.of(kept));
    }

    /** Runs {@code count} cases of each kind: DTB, DTS, real board trees, x86 e820 and command lines. */
    public void run(int count) throws IOException {
        for (int i = 0; i < count; i++) {
            dtbCase();
            dtsCase();
            boardCase();
            x86Case();
        }
        System.out.printf("BootFuzz: %d cases: %d booted, %d refused while reading the inputs, %d refused while"
            + " booting, %d distinct failures%n", caseNo, outcomes[0], outcomes[1], outcomes[2], failures.size());
        if (Boolean.getBoolean("dmasim.fuzz.show")) {
            refusals.values().forEach(m -> System.out.println("  refused: " + m));
        }
        if (!failures.isEmpty()) {
            fail(failures.size() + " distinct failures (the input of case N is case<N-1>.* in " + dir + "):\n"
                + String.join("\n", failures.values()));
        }
    }

    // ---- cases ----

    private void dtbCase() throws IOException {
        String base = pick(ARM64_CASES);
        DeviceTree tree = DtbParser.parse(resource("dt/" + base + ".dtb"), base + ".dtb");
        MNode root = MNode.of(tree.root());
        List<DeviceTree.MemReserve> reserves = new ArrayList<>(tree.memReserves());
        List<String> applied = new ArrayList<>();
        for (int n = 1 + random.nextInt(4); n > 0; n--) {
            applied.add(mutate(root, reserves));
        }
        byte[] blob = DtbWriter.write(root.build(), reserves);
        Path file = write("case" + caseNo + ".dtb", blob);
        boot("dtb " + base + " " + applied, Map.of(PlatformConfig.ARCH, "arm64", PlatformConfig.DTB, file.toString(),
            PlatformConfig.CMDLINE, random.nextInt(3) == 0 ? cmdline() : cmdline(base)));
    }

    /**
     * A real board tree, mutated, booted the way a BSP engineer boots it (the arm64-board
     * profile, its --mem, its /chosen/bootargs or a command line), sometimes with boot loader
     * settings: Image placement, device naming and the derived early allocations.
     */
    private void boardCase() throws IOException {
        String[] board = BOARDS[random.nextInt(BOARDS.length)];
        DeviceTree tree = DtbParser.parse(resource("boards/" + board[0] + ".dtb"), board[0] + ".dtb");
        MNode root = MNode.of(tree.root());
        List<DeviceTree.MemReserve> reserves = new ArrayList<>(tree.memReserves());
        List<String> applied = new ArrayList<>();
        for (int n = random.nextInt(4); n > 0; n--) {
            applied.add(random.nextInt(3) == 0 ? twin(root) : mutate(root, reserves));
        }
        Path file = write("case" + caseNo + ".dtb", DtbWriter.write(root.build(), reserves));
        Map<String, String> config = new LinkedHashMap<>();
        config.put(PlatformConfig.PROFILE, "arm64-board");
        config.put(PlatformConfig.DTB, file.toString());
        String mem = random.nextInt(5) == 0 ? pick(new String[] {"1G@0x0", "256M@0x40000000", "2G@0x80000000", "64M"})
            : board[1];
        if (mem != null) {
            config.put(PlatformConfig.MEM, mem);
        }
        if (random.nextBoolean()) {
            config.put(PlatformConfig.CMDLINE, cmdline());
        }
        for (String key : new String[] {PlatformConfig.KERNEL_BASE, PlatformConfig.DTB_BASE, PlatformConfig.DTB_SIZE}) {
            if (random.nextInt(4) == 0) {
                config.put(key, pick(LOADER_VALUES));
            }
        }
        boot("board " + board[0] + " " + applied + " " + config.keySet(), config);
    }

    /**
     * A copy of a device node next to it, under a name of the same base name: with the same
     * {@code reg} the two make the same device name (of_device_make_bus_id), sometimes told
     * apart by a {@code mask} as the Juno LEDs are.
     */
    private String twin(MNode root) {
        List<MNode> nodes = new ArrayList<>();
        root.all(nodes);
        nodes.removeIf(n -> n.parent == null || !n.props.containsKey("compatible"));
        if (nodes.isEmpty()) {
            return "nothing";
        }
        MNode n = pick(nodes);
        String base = n.name.contains("@") ? n.name.substring(0, n.name.indexOf('@')) : n.name;
        MNode copy = n.parent.child(base + "@" + Long.toHexString(0xd000 + random.nextInt(0x1000)));
        copy.props.putAll(n.props);
        copy.props.remove("phandle");
        if (random.nextBoolean()) {
            copy.props.put("mask", u32s(random.nextInt(3) == 0 ? cell() : 1 << random.nextInt(8)));
        }
        return "twin " + n.name;
    }

    private void dtsCase() throws IOException {
        String base = pick(ARM64_CASES);
        String text = new String(resource("dt/" + base + ".dts"), StandardCharsets.UTF_8);
        List<String> applied = new ArrayList<>();
        for (int n = 1 + random.nextInt(3); n > 0; n--) {
            String before = text;
            text = mutateText(text);
            applied.add(before.length() + "->" + text.length());
        }
        Path file = write("case" + caseNo + ".dts", text.getBytes(StandardCharsets.UTF_8));
        boot("dts " + base + " " + applied, Map.of(PlatformConfig.ARCH, "arm64", PlatformConfig.DTB, file.toString(),
            PlatformConfig.CMDLINE, cmdline(base)));
    }

    private void x86Case() throws IOException {
        String base = pick(X86_CASES);
        List<String> lines = new ArrayList<>(List.of(new String(resource("oracle/linux-6.1/" + base + "/e820"),
            StandardCharsets.UTF_8).strip().split("\n")));
        if (random.nextBoolean()) {
            mutateE820(lines);
        }
        Path file = write("case" + caseNo + ".e820", String.join("\n", lines).getBytes(StandardCharsets.UTF_8));
        String cmdline = cmdline();
        boot("x86 " + base + " " + lines.size() + " entries, cmdline " + cmdline, Map.of(PlatformConfig.ARCH, "x86_64",
            PlatformConfig.E820, file.toString(), PlatformConfig.CMDLINE, cmdline));
    }

    // ---- the oracle ----

    private void boot(String what, Map<String, String> config) {
        caseNo++;
        String label = "case " + caseNo + " (" + what + ")";
        try {
            bootOne(label, config);
        } catch (AssertionError e) {
            Throwable cause = e.getCause();
            String text = e.getMessage() + (cause == null ? "" : " <- " + cause
                + (cause.getStackTrace().length == 0 ? "" : " at " + cause.getStackTrace()[0]));
            String key = cause != null && cause.getStackTrace().length > 0
                ? cause.getClass().getName() + "@" + cause.getStackTrace()[0]
                : text.substring(text.indexOf(')') + 1).replaceAll("0x[0-9a-f]+|\\d+", "N");
            failures.putIfAbsent(key, text);
        }
    }

    private void bootOne(String label, Map<String, String> config) {
        assertTimeoutPreemptively(CASE_LIMIT, () -> {
            PlatformSpec spec;
            try {
                spec = SpecBuilder.build(config);
            } catch (InvalidInputException e) {
                checkText(label, e.getMessage());
                refused(e.getMessage());
                outcomes[1]++;
                return;
            }
            BootResult r = Platforms.boot(spec, extra);
            if (r.unexpected().isPresent()) {
                throw new AssertionError(label + ": " + r.failure().orElse(""), r.unexpected().get());
            }
            r.failure().ifPresent(f -> {
                checkText(label, f);
                refused(f);
            });
            outcomes[r.ok() ? 0 : 2]++;
            for (LogLine l : r.log().lines()) {
                if (l.text() == null) {
                    fail(label + ": a log line without text after " + r.log().lines().stream()
                        .takeWhile(x -> x != l).map(LogLine::text).toList());
                }
                Matcher m = JAVA_NAME.matcher(l.text());
                if (m.find()) {
                    fail(label + ": log line shows '" + m.group() + "': " + l.text());
                }
            }
            r.close();
        }, () -> label + ": did not finish within " + CASE_LIMIT.toSeconds() + " s");
    }

    private synchronized void refused(String message) {
        String shape = message.replaceAll("/tmp/\\S+?(:\\d+)*:", "FILE:").replaceAll("0x[0-9a-fA-F]+|\\d+", "N");
        refusals.putIfAbsent(shape.length() > 70 ? shape.substring(0, 70) : shape, message);
    }

    private static void checkText(String label, String text) {
        assertFalse(text == null || text.isBlank(), label + ": empty message");
        Matcher m = JAVA_NAME.matcher(text);
        if (m.find()) {
            fail(label + ": message shows '" + m.group() + "': " + text);
        }
    }

    // ---- device-tree mutations ----

    /** A mutable copy of a node, for editing and rebuilding. */
    static final class MNode {
        final String name;
        final Map<String, byte[]> props = new LinkedHashMap<>();
        final List<MNode> children = new ArrayList<>();
        MNode parent;

        MNode(String name) {
            this.name = name;
        }

        static MNode of(DtNode n) {
            MNode m = new MNode(n.name());
            for (DtProperty p : n.properties().values()) {
                m.props.put(p.name(), p.value());
            }
            for (DtNode c : n.children()) {
                MNode child = of(c);
                child.parent = m;
                m.children.add(child);
            }
            return m;
        }

        DtNode build() {
            List<DtProperty> ps = new ArrayList<>();
            props.forEach((k, v) -> ps.add(new DtProperty(k, v)));
            List<DtNode> cs = new ArrayList<>();
            for (MNode c : children) {
                cs.add(c.build());
            }
            return new DtNode(name, ps, cs);
        }

        void all(List<MNode> out) {
            out.add(this);
            for (MNode c : children) {
                c.all(out);
            }
        }

        MNode child(String childName) {
            for (MNode c : children) {
                if (c.name.equals(childName)) {
                    return c;
                }
            }
            MNode c = new MNode(childName);
            c.parent = this;
            children.add(c);
            return c;
        }

        int cells(String prop, int dflt) {
            byte[] v = props.get(prop);
            return v == null || v.length != 4 ? dflt : (int) be32(v, 0);
        }
    }

    private String mutate(MNode root, List<DeviceTree.MemReserve> reserves) {
        List<MNode> nodes = new ArrayList<>();
        root.all(nodes);
        MNode n = nodes.get(random.nextInt(nodes.size()));
        switch (random.nextInt(11)) {
            case 9 -> {
                MNode region = reservedRegion(root);
                byte[] ph = u32s(0x9000 + random.nextInt(0x1000));
                region.props.put("phandle", ph);
                List<MNode> devices = new ArrayList<>(root.children);
                devices.removeIf(d -> !d.props.containsKey("compatible"));
                if (!devices.isEmpty()) {
                    pick(devices).props.put("memory-region", random.nextInt(4) == 0 ? u32s(cell()) : ph);
                }
                return "memory-region";
            }
            case 10 -> {
                simpleBus(root);
                return "simple-bus";
            }
            case 0 -> {
                List<String> names = new ArrayList<>(n.props.keySet());
                names.removeIf(p -> n.props.get(p).length < 4);
                if (names.isEmpty()) {
                    return "nothing";
                }
                String p = pick(names);
                byte[] v = n.props.get(p).clone();
                int cell = random.nextInt(v.length / 4);
                put32(v, cell * 4, cell());
                n.props.put(p, v);
                return "cell " + p + "[" + cell + "]";
            }
            case 1 -> {
                if (n.props.isEmpty()) {
                    return "nothing";
                }
                String p = pick(new ArrayList<>(n.props.keySet()));
                byte[] v = n.props.get(p);
                int len = Math.max(0, v.length + (random.nextBoolean() ? 1 : -1) * (random.nextBoolean() ? 4 : 1 + random.nextInt(3)));
                n.props.put(p, java.util.Arrays.copyOf(v, len));
                return "resize " + p;
            }
            case 2 -> {
                n.props.put(random.nextBoolean() ? "#address-cells" : "#size-cells", u32s(random.nextInt(6) == 0 ? cell()
                    : random.nextInt(5)));
                return "cells " + n.name;
            }
            case 3 -> {
                reservedRegion(root);
                return "reserved-memory";
            }
            case 4 -> {
                MNode mem = root.child("memory@" + Long.toHexString(random.nextInt(16) * 0x40000000L));
                mem.props.put("device_type", "memory\0".getBytes(StandardCharsets.US_ASCII));
                mem.props.put("reg", entries(root.cells("#address-cells", 2), root.cells("#size-cells", 1), 1 + random.nextInt(3)));
                return "memory bank";
            }
            case 5 -> {
                int ac = n.cells("#address-cells", 2);
                int sc = n.cells("#size-cells", 1);
                int pac = n.parent == null ? 2 : n.parent.cells("#address-cells", 2);
                n.props.put("dma-ranges", entries(ac + pac, sc, 1 + random.nextInt(2)));
                return "dma-ranges " + n.name;
            }
            case 6 -> {
                reserves.add(new DeviceTree.MemReserve(address(), size()));
                return "memreserve";
            }
            case 7 -> {
                n.props.put("status", (random.nextBoolean() ? "disabled\0" : "okay\0").getBytes(StandardCharsets.US_ASCII));
                return "status " + n.name;
            }
            default -> {
                if (n.parent == null || n.props.isEmpty()) {
                    return "nothing";
                }
                n.props.remove(pick(new ArrayList<>(n.props.keySet())));
                return "delete property";
            }
        }
    }

    /** A simple-bus with a device below it, both with random address cells, ranges and coherence. */
    private void simpleBus(MNode root) {
        int pac = root.cells("#address-cells", 2);
        MNode bus = root.child("bus" + random.nextInt(100000) + "@" + Long.toHexString(random.nextInt(1 << 20) << 12));
        int ac = 1 + random.nextInt(2);
        int sc = 1 + random.nextInt(2);
        bus.props.put("compatible", "simple-bus\0".getBytes(StandardCharsets.US_ASCII));
        bus.props.put("#address-cells", u32s(ac));
        bus.props.put("#size-cells", u32s(sc));
        bus.props.put("ranges", random.nextBoolean() ? new byte[0] : entries(ac + pac, sc, 1));
        if (random.nextBoolean()) {
            bus.props.put("dma-ranges", random.nextBoolean() ? new byte[0] : entries(ac + pac, sc, 1 + random.nextInt(2)));
        }
        if (random.nextBoolean()) {
            bus.props.put(random.nextBoolean() ? "dma-coherent" : "dma-noncoherent", new byte[0]);
        }
        MNode dev = bus.child("dev" + random.nextInt(100000));
        dev.props.put("compatible", "acme,dma-engine\0".getBytes(StandardCharsets.US_ASCII));
        dev.props.put("reg", entries(ac, sc, 1));
        if (random.nextInt(3) == 0) {
            dev.props.put("status", "disabled\0".getBytes(StandardCharsets.US_ASCII));
        }
    }

    private MNode reservedRegion(MNode root) {
        int ac = root.cells("#address-cells", 2);
        int sc = root.cells("#size-cells", 1);
        MNode rm = root.child("reserved-memory");
        if (random.nextInt(4) != 0) {
            rm.props.put("#address-cells", u32s(ac));
            rm.props.put("#size-cells", u32s(sc));
            rm.props.put("ranges", new byte[0]);
        }
        MNode r = rm.child("region" + random.nextInt(1000));
        if (random.nextBoolean()) {
            r.props.put("reg", entries(ac, sc, 1 + random.nextInt(2)));
        } else {
            r.props.put("size", entries(0, sc, 1));
            if (random.nextBoolean()) {
                r.props.put("alignment", entries(ac, 0, 1));
            }
            if (random.nextBoolean()) {
                r.props.put("alloc-ranges", entries(ac, sc, 1 + random.nextInt(2)));
            }
        }
        String[] compatibles = {"shared-dma-pool", "restricted-dma-pool", "acme,firmware"};
        r.props.put("compatible", (pick(compatibles) + "\0").getBytes(StandardCharsets.US_ASCII));
        for (String flag : new String[] {"no-map", "reusable", "linux,cma-default", "linux,dma-default"}) {
            if (random.nextInt(3) == 0) {
                r.props.put(flag, new byte[0]);
            }
        }
        return r;
    }

    /** {@code count} tuples of (address cells, size cells) with boundary-ish values. */
    private byte[] entries(int addressCells, int sizeCells, int count) {
        int ac = Math.max(0, Math.min(addressCells, 4));
        int sc = Math.max(0, Math.min(sizeCells, 4));
        byte[] v = new byte[(ac + sc) * 4 * count];
        int at = 0;
        for (int i = 0; i < count; i++) {
            at = number(v, at, ac, address());
            at = number(v, at, sc, size());
        }
        return v;
    }

    private static int number(byte[] v, int at, int cells, long value) {
        for (int c = cells - 1; c >= 0; c--) {
            put32(v, at + c * 4, c >= cells - 2 ? (value >>> ((cells - 1 - c) * 32)) & 0xffffffffL : 0);
        }
        return at + cells * 4;
    }

    private long address() {
        long[] choices = {0, 0x1000, 0x40000000L, 0x48000000L, 0x80000000L, 0xfe000000L, 0x100000000L, 0x13ff00000L,
            1L << 40, 1L << 48, -1L, -0x1000L};
        return random.nextInt(4) == 0 ? random.nextLong() : choices[random.nextInt(choices.length)];
    }

    private long size() {
        long[] choices = {0, 1, 0x1000, 0x200000, 0x400000, 0x8000000L, 0x40000000L, 0x100000000L, 1L << 43,
            (1L << 43) + (1L << 27), 1L << 62, -1L};
        return random.nextInt(4) == 0 ? random.nextLong() : choices[random.nextInt(choices.length)];
    }

    private long cell() {
        return random.nextInt(5) == 0 ? random.nextLong() & 0xffffffffL : CELLS[random.nextInt(CELLS.length)];
    }

    // ---- source mutations ----

    private String mutateText(String text) {
        switch (random.nextInt(4)) {
            case 0, 1 -> {
                List<int[]> spans = new ArrayList<>();
                Matcher m = NUMBER.matcher(text);
                while (m.find()) {
                    spans.add(new int[] {m.start(), m.end()});
                }
                int[] s = spans.get(random.nextInt(spans.size()));
                return text.substring(0, s[0]) + "0x" + Long.toHexString(cell()) + text.substring(s[1]);
            }
            case 2 -> {
                String[] lines = text.split("\n", -1);
                int i = random.nextInt(lines.length);
                List<String> out = new ArrayList<>(List.of(lines));
                if (random.nextBoolean()) {
                    out.remove(i);
                } else {
                    out.add(i, lines[random.nextInt(lines.length)]);
                }
                return String.join("\n", out);
            }
            default -> {
                String[] inserts = {"#address-cells = <0x1>;", "#size-cells = <0x0>;", "#size-cells = <0x3>;",
                    "dma-ranges = <0x0 0x0 0x0 0x0 0x1 0x0>;", "status = \"disabled\";", "/include/ \"/dev/zero\"",
                    "reg = <0x0 0x0 0x0 0x0>;", "no-map;"};
                int brace = text.indexOf('{', random.nextInt(text.length()));
                if (brace < 0) {
                    return text;
                }
                return text.substring(0, brace + 1) + "\n" + pick(inserts) + text.substring(brace + 1);
            }
        }
    }

    private void mutateE820(List<String> lines) {
        String[] types = {"usable", "reserved", "ACPI data", "ACPI NVS", "unusable", "persistent (type 12)",
            "persistent (type 7)", "soft reserved"};
        switch (random.nextInt(4)) {
            case 0 -> {
                for (int i = random.nextInt(5000); i > 0; i--) {
                    long start = (random.nextLong() >>> 20) & -0x1000L;
                    lines.add(e820(start, start + (random.nextInt(1 << 20) + 1) * 4096L - 1, pick(types)));
                }
            }
            case 1 -> lines.add(e820(address(), -1L, pick(types)));
            case 2 -> lines.set(random.nextInt(lines.size()), e820(0x1000000L, 0x4ffffffL, pick(types)));
            default -> lines.remove(random.nextInt(lines.size()));
        }
    }

    private static String e820(long start, long end, String type) {
        if (Long.compareUnsigned(end, start) < 0) {
            end = start;
        }
        return String.format("BIOS-e820: [mem %#018x-%#018x] %s", start, end, type);
    }

    // ---- command lines ----

    private String cmdline(String base) {
        return new String(resourceOrEmpty("oracle/linux-6.1/" + base + "/cmdline"), StandardCharsets.UTF_8).strip()
            + " " + cmdline();
    }

    private String cmdline() {
        List<String> words = new ArrayList<>();
        for (int n = random.nextInt(4); n > 0; n--) {
            switch (random.nextInt(11)) {
                case 0 -> words.add("mem=" + pick(SIZES));
                case 1 -> words.add("memmap=" + memmapEntry() + (random.nextBoolean() ? "," + memmapEntry() : ""));
                case 2 -> words.add("cma=" + pick(SIZES) + (random.nextBoolean() ? "@" + pick(SIZES) : ""));
                case 3 -> words.add("swiotlb=" + pick(new String[] {"force", "noforce", "65536", "1,4", "0", "x"}));
                case 4 -> words.add("coherent_pool=" + pick(SIZES));
                case 5 -> words.add(pick(new String[] {"crashkernel=256M", "hugepages=4", "kernelcore=1G", "memtest=1",
                    "highmem=1G", "numa=off"}));
                case 6 -> words.add(pick(new String[] {"iommu.strict=2", "iommu.passthrough=abc", "iommu=pt", "mem",
                    "memmap", "--", "mem=nopentium"}));
                case 7 -> words.add("x".repeat(random.nextInt(3000)));
                case 8 -> words.add("memmap=exactmap memmap=" + memmapEntry());
                case 9 -> words.add("mem=" + pick(SIZES) + " mem=" + pick(SIZES));
                default -> words.add("memmap=" + pick(SIZES) + pick(new String[] {"@", "$", "#", "!", "%", "&"}) + pick(SIZES));
            }
        }
        return String.join(" ", words);
    }

    private String memmapEntry() {
        String[] ops = {"@", "$", "#", "!"};
        String size = pick(new String[] {"8G", "64M", "1G", "0x1000", "0", "16384P"});
        String at = pick(new String[] {"8G", "16M", "0", "4G", "0x100000", "0xffffffffffffffff"});
        return switch (random.nextInt(5)) {
            case 0 -> size;
            case 1 -> size + "%" + at + "-" + (1 + random.nextInt(12)) + "+" + random.nextInt(13);
            default -> size + pick(ops) + at;
        };
    }

    // ---- helpers ----

    private <T> T pick(T[] a) {
        return a[random.nextInt(a.length)];
    }

    private <T> T pick(List<T> a) {
        return a.get(random.nextInt(a.size()));
    }

    private Path write(String name, byte[] bytes) throws IOException {
        return Files.write(dir.resolve(name), bytes);
    }

    static byte[] resource(String name) {
        byte[] b = resourceOrEmpty(name);
        if (b.length == 0) {
            throw new IllegalStateException("missing test resource " + name);
        }
        return b;
    }

    private static byte[] resourceOrEmpty(String name) {
        try (InputStream in = BootFuzz.class.getClassLoader().getResourceAsStream(name)) {
            return in == null ? new byte[0] : in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static byte[] u32s(long v) {
        byte[] b = new byte[4];
        put32(b, 0, v);
        return b;
    }

    private static void put32(byte[] b, int at, long v) {
        b[at] = (byte) (v >>> 24);
        b[at + 1] = (byte) (v >>> 16);
        b[at + 2] = (byte) (v >>> 8);
        b[at + 3] = (byte) v;
    }

    private static long be32(byte[] b, int at) {
        return (b[at] & 0xffL) << 24 | (b[at + 1] & 0xffL) << 16 | (b[at + 2] & 0xffL) << 8 | (b[at + 3] & 0xffL);
    }
}
