package org.dmasim.testing;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.dmasim.api.dt.DeviceTree;
import org.dmasim.api.dt.DtNode;
import org.dmasim.api.dt.DtProperty;

/**
 * Device trees written in Java for tests of modules that cannot use the platform's DTS parser:
 * {@code node("memory@40000000", props(string("device_type", "memory"), cells("reg", 0, 0x40000000, 1, 0)))}.
 */
public final class Dt {
    private Dt() {
    }

    public static DeviceTree tree(DtNode root) {
        return new DeviceTree(root, List.of());
    }

    public static DtNode node(String name, List<DtProperty> properties, DtNode... children) {
        return new DtNode(name, properties, List.of(children));
    }

    public static List<DtProperty> props(DtProperty... properties) {
        return List.of(properties);
    }

    /** A property of 32-bit big-endian cells. */
    public static DtProperty cells(String name, long... cells) {
        byte[] b = new byte[cells.length * 4];
        for (int i = 0; i < cells.length; i++) {
            for (int k = 0; k < 4; k++) {
                b[i * 4 + k] = (byte) (cells[i] >>> (24 - 8 * k));
            }
        }
        return new DtProperty(name, b);
    }

    /** A string list property (each string NUL-terminated). */
    public static DtProperty string(String name, String... values) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (String v : values) {
            out.writeBytes(v.getBytes(StandardCharsets.UTF_8));
            out.write(0);
        }
        return new DtProperty(name, out.toByteArray());
    }

    /** An empty property ({@code dma-coherent;}). */
    public static DtProperty flag(String name) {
        return new DtProperty(name, new byte[0]);
    }

    /** A root with {@code #address-cells = <2>; #size-cells = <2>;} (as arm64 boards have) and children. */
    public static DtNode root(DtNode... children) {
        List<DtProperty> p = new ArrayList<>(List.of(cells("#address-cells", 2), cells("#size-cells", 2)));
        return new DtNode("", p, List.of(children));
    }

    /** A {@code device_type = "memory"} node with one 2+2-cell bank. */
    public static DtNode memory(long base, long size) {
        return node(String.format("memory@%x", base), props(string("device_type", "memory"),
            cells("reg", base >>> 32, base & 0xffffffffL, size >>> 32, size & 0xffffffffL)));
    }
}
