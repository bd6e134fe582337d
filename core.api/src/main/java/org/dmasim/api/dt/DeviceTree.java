package org.dmasim.api.dt;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * A parsed, immutable flattened device tree: the root node, the /memreserve/ entries and the
 * name of the input it came from (for messages).
 */
public final class DeviceTree {
    /** One {@code /memreserve/} entry of the DTB header's reservation block. */
    public record MemReserve(long address, long size) {
    }

    private final DtNode root;
    private final List<MemReserve> memReserves;
    private final String source;
    private final Map<Long, DtNode> byPhandle = new HashMap<>();

    public DeviceTree(DtNode root, List<MemReserve> memReserves) {
        this(root, memReserves, "device tree");
    }

    /** {@code source}: the input file (or resource) the tree was read from, as messages name it. */
    public DeviceTree(DtNode root, List<MemReserve> memReserves, String source) {
        this.root = root;
        this.memReserves = List.copyOf(memReserves);
        this.source = source;
        walk(n -> n.phandle().ifPresent(ph -> byPhandle.putIfAbsent(ph, n)));
    }

    /** The input this tree was read from ({@code "device tree"} when unknown). */
    public String source() {
        return source;
    }

    public DtNode root() {
        return root;
    }

    public List<MemReserve> memReserves() {
        return memReserves;
    }

    public Optional<DtNode> byPhandle(long phandle) {
        return Optional.ofNullable(byPhandle.get(phandle));
    }

    /** Looks a node up by absolute path, e.g. {@code /reserved-memory/linux,cma}. */
    public Optional<DtNode> find(String path) {
        if (!path.startsWith("/")) {
            return Optional.empty();
        }
        DtNode n = root;
        for (String part : path.substring(1).split("/")) {
            if (part.isEmpty()) {
                continue;
            }
            Optional<DtNode> c = n.child(part);
            if (c.isEmpty()) {
                return Optional.empty();
            }
            n = c.get();
        }
        return Optional.of(n);
    }

    /** Visits every node depth-first in document order, root first. */
    public void walk(Consumer<DtNode> visitor) {
        walk(root, visitor);
    }

    private static void walk(DtNode n, Consumer<DtNode> visitor) {
        visitor.accept(n);
        for (DtNode c : n.children()) {
            walk(c, visitor);
        }
    }

    public List<DtNode> all() {
        List<DtNode> out = new ArrayList<>();
        walk(out::add);
        return out;
    }
}
