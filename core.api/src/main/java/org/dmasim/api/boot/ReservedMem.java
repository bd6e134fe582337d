package org.dmasim.api.boot;

import java.util.Optional;
import org.dmasim.api.dt.DtNode;

/**
 * One {@code struct reserved_mem}: a /reserved-memory child with its final base and size. A
 * handler that claims it records what it made of it ({@link #owner()}), e.g. a CMA area.
 */
public final class ReservedMem {
    private final String name;
    private final DtNode node;
    private long base;
    private long size;
    private Object owner;
    private String compatible;

    public ReservedMem(String name, DtNode node, long base, long size) {
        this.name = name;
        this.node = node;
        this.base = base;
        this.size = size;
    }

    public String name() {
        return name;
    }

    public DtNode node() {
        return node;
    }

    public long base() {
        return base;
    }

    public long size() {
        return size;
    }

    public void place(long newBase, long newSize) {
        this.base = newBase;
        this.size = newSize;
    }

    public Optional<Long> phandle() {
        return node.phandle();
    }

    /** What the claiming handler made of this region (a CMA area, a coherent pool), if any. */
    public Optional<Object> owner() {
        return Optional.ofNullable(owner);
    }

    /** The compatible string of the handler that claimed the region. */
    public Optional<String> compatible() {
        return Optional.ofNullable(compatible);
    }

    public void claim(String byCompatible, Object what) {
        this.compatible = byCompatible;
        this.owner = what;
    }
}
