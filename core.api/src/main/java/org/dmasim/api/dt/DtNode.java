package org.dmasim.api.dt;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * An immutable device-tree node. {@link #name()} is the full node name as the kernel's
 * {@code fdt_get_name} returns it ({@code memory@40000000}); the root's name is empty.
 */
public final class DtNode {
    private final String name;
    private final Map<String, DtProperty> properties;
    private final List<DtNode> children;
    private DtNode parent;

    public DtNode(String name, List<DtProperty> properties, List<DtNode> children) {
        this.name = name;
        Map<String, DtProperty> props = new LinkedHashMap<>();
        for (DtProperty p : properties) {
            props.put(p.name(), p);
        }
        this.properties = Collections.unmodifiableMap(props);
        this.children = List.copyOf(children);
        for (DtNode c : this.children) {
            if (c.parent != null) {
                throw new IllegalArgumentException("node " + c.name + " already has a parent");
            }
            c.parent = this;
        }
    }

    public String name() {
        return name;
    }

    /** The name without its unit address. */
    public String baseName() {
        int at = name.indexOf('@');
        return at < 0 ? name : name.substring(0, at);
    }

    public DtNode parent() {
        return parent;
    }

    public List<DtNode> children() {
        return children;
    }

    public Map<String, DtProperty> properties() {
        return properties;
    }

    public Optional<DtProperty> property(String propertyName) {
        return Optional.ofNullable(properties.get(propertyName));
    }

    public boolean has(String propertyName) {
        return properties.containsKey(propertyName);
    }

    public Optional<DtNode> child(String childName) {
        for (DtNode c : children) {
            if (c.name.equals(childName)) {
                return Optional.of(c);
            }
        }
        return Optional.empty();
    }

    public String path() {
        if (parent == null) {
            return "/";
        }
        String p = parent.path();
        return (p.equals("/") ? "" : p) + "/" + name;
    }

    /** {@code #address-cells} this node gives its children (2 when absent, as the kernel assumes). */
    public int addressCells() {
        return (int) property("#address-cells").map(DtProperty::u32).orElse(2L).longValue();
    }

    /** {@code #size-cells} this node gives its children (1 when absent). */
    public int sizeCells() {
        return (int) property("#size-cells").map(DtProperty::u32).orElse(1L).longValue();
    }

    public boolean isCompatible(String compatible) {
        return property("compatible").map(p -> p.strings().contains(compatible)).orElse(false);
    }

    /** {@code of_device_is_available}: no status, or "okay"/"ok". */
    public boolean isAvailable() {
        return property("status").map(p -> {
            String s = p.string();
            return s.equals("okay") || s.equals("ok");
        }).orElse(true);
    }

    public Optional<Long> phandle() {
        Optional<DtProperty> p = property("phandle");
        if (p.isEmpty()) {
            p = property("linux,phandle");
        }
        return p.map(DtProperty::u32);
    }

    /**
     * Decodes {@code reg} with the parent's cell counts into (address, size) pairs.
     *
     * @throws DeviceTreeException when the length is not a whole number of entries
     */
    public List<long[]> reg() {
        Optional<DtProperty> p = property("reg");
        if (p.isEmpty()) {
            return List.of();
        }
        int ac = parent == null ? 2 : parent.addressCells();
        int sc = parent == null ? 1 : parent.sizeCells();
        return entries(p.get(), ac, sc);
    }

    /** Splits a property into tuples of the given cell counts; each tuple is one long per field. */
    public static List<long[]> entries(DtProperty p, int... cellCounts) {
        int per = 0;
        for (int c : cellCounts) {
            per += c;
        }
        if (per == 0 || p.length() % (per * 4) != 0) {
            throw new DeviceTreeException("property '" + p.name() + "' has " + p.length()
                + " bytes, not a multiple of " + (per * 4) + " (" + per + " cells per entry)");
        }
        List<long[]> out = new ArrayList<>();
        for (int i = 0; i < p.cellCount(); i += per) {
            long[] e = new long[cellCounts.length];
            int at = i;
            for (int f = 0; f < cellCounts.length; f++) {
                e[f] = p.cells(at, cellCounts[f]);
                at += cellCounts[f];
            }
            out.add(e);
        }
        return out;
    }

    @Override
    public String toString() {
        return path();
    }
}
