package org.dmasim.platform.dt;

import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import org.dmasim.api.dt.DeviceTree;
import org.dmasim.api.dt.DeviceTreeException;
import org.dmasim.api.dt.DtNode;
import org.dmasim.api.dt.DtProperty;

/**
 * Reads a flattened device tree blob (DTB, version 16 or 17) into a {@link DeviceTree},
 * validating every offset, size, token and string against the format before using it. Any
 * violation throws {@link DeviceTreeException} as {@code source: offset 0x..: rule}.
 */
public final class DtbParser {
    private final Blob blob;
    private final FdtHeader header;

    private DtbParser(Blob blob, FdtHeader header) {
        this.blob = blob;
        this.header = header;
    }

    public static DeviceTree parse(byte[] blob, String sourceName) {
        Blob b = new Blob(blob, sourceName);
        DtbParser p = new DtbParser(b, FdtHeader.read(b));
        List<DeviceTree.MemReserve> reserves = p.readMemoryReservations();
        return new DeviceTree(p.readStructure(), reserves, sourceName);
    }

    private List<DeviceTree.MemReserve> readMemoryReservations() {
        // The block has no size field, only a (0, 0) terminator; it must end before whichever
        // block follows it (or totalsize), or we would read the other block as reservations.
        long limit = header.totalSize();
        String limitName = "totalsize";
        if (header.structOffset() > header.memReserveOffset() && header.structOffset() < limit) {
            limit = header.structOffset();
            limitName = "the structure block";
        }
        if (header.stringsSize() > 0 && header.stringsOffset() > header.memReserveOffset()
            && header.stringsOffset() < limit) {
            limit = header.stringsOffset();
            limitName = "the strings block";
        }
        List<DeviceTree.MemReserve> out = new ArrayList<>();
        for (long off = header.memReserveOffset(); ; off += Fdt.RESERVATION_ENTRY_SIZE) {
            if (off + Fdt.RESERVATION_ENTRY_SIZE > limit) {
                throw blob.error(off, "memory reservation block runs into " + limitName + " at 0x"
                    + FdtHeader.hex(limit) + " without its (0, 0) terminator");
            }
            long address = blob.u64(off, "reservation address");
            long size = blob.u64(off + 8, "reservation size");
            if (address == 0 && size == 0) {
                return out;
            }
            if (size != 0 && Long.compareUnsigned(address + size - 1, address) < 0) {
                throw blob.error(off, "memory reservation 0x" + FdtHeader.hex(address) + " size 0x"
                    + FdtHeader.hex(size) + " wraps past the end of the 64-bit address space");
            }
            out.add(new DeviceTree.MemReserve(address, size));
        }
    }

    /** Walks the tokens with an explicit stack, so a hostile blob cannot overflow the Java stack. */
    private DtNode readStructure() {
        long end = header.structEnd();
        Deque<NodeBuilder> open = new ArrayDeque<>();
        DtNode root = null;
        long off = header.structOffset();
        while (true) {
            if (off + 4 > end) {
                throw blob.error(off, "structure block ends at 0x" + FdtHeader.hex(end)
                    + " without an FDT_END token");
            }
            long tokenAt = off;
            long token = blob.u32(off, "token");
            off += 4;
            if (token == Fdt.BEGIN_NODE) {
                if (root != null) {
                    throw blob.error(tokenAt, "FDT_BEGIN_NODE after the root node ended (a tree has exactly one root)");
                }
                if (open.size() >= Fdt.MAX_DEPTH) {
                    throw blob.error(tokenAt, "nodes nested deeper than " + Fdt.MAX_DEPTH + " levels");
                }
                long nul = blob.indexOfNul(off, end);
                if (nul < 0) {
                    throw blob.error(off, "node name is not NUL-terminated before the structure block ends at 0x"
                        + FdtHeader.hex(end));
                }
                String name = new String(blob.slice(off, nul - off), StandardCharsets.UTF_8);
                NodeBuilder parent = open.peek();
                checkNodeName(off, name, parent);
                open.push(new NodeBuilder(name, parent, tokenAt));
                off = Fdt.align(nul + 1, 4);
            } else if (token == Fdt.END_NODE) {
                if (open.isEmpty()) {
                    throw blob.error(tokenAt, "FDT_END_NODE without a matching FDT_BEGIN_NODE");
                }
                NodeBuilder done = open.pop();
                DtNode node = done.build();
                if (open.isEmpty()) {
                    root = node;
                } else {
                    open.peek().addChild(node, done.offset);
                }
            } else if (token == Fdt.PROP) {
                if (open.isEmpty()) {
                    throw blob.error(tokenAt, "FDT_PROP outside any node");
                }
                off = readProperty(tokenAt, open.peek());
            } else if (token == Fdt.NOP) {
                continue;
            } else if (token == Fdt.END) {
                if (!open.isEmpty()) {
                    throw blob.error(tokenAt, "FDT_END inside node " + open.peek().path
                        + " (missing FDT_END_NODE)");
                }
                if (root == null) {
                    throw blob.error(tokenAt, "FDT_END before any root node");
                }
                return root;
            } else {
                throw blob.error(tokenAt, "unknown structure token 0x" + FdtHeader.hex(token));
            }
        }
    }

    /** Reads one FDT_PROP body (len, nameoff, value); returns the offset of the next token. */
    private long readProperty(long tokenAt, NodeBuilder node) {
        long end = header.structEnd();
        long off = tokenAt + 4;
        if (off + 8 > end) {
            throw blob.error(tokenAt, "FDT_PROP header runs past the structure block (ends at 0x"
                + FdtHeader.hex(end) + ")");
        }
        long length = blob.u32(off, "property length");
        long nameOffset = blob.u32(off + 4, "property nameoff");
        String name = propertyName(off + 4, nameOffset);
        long valueAt = off + 8;
        if (valueAt + length > end) {
            throw blob.error(tokenAt, "property '" + name + "' length " + length
                + " runs past the structure block (ends at 0x" + FdtHeader.hex(end) + ")");
        }
        if (node.hasChildren()) {
            throw blob.error(tokenAt, "property '" + name + "' of " + node.path
                + " follows a child node (properties must precede subnodes)");
        }
        node.addProperty(new DtProperty(name, blob.slice(valueAt, length)), tokenAt);
        return Fdt.align(valueAt + length, 4);
    }

    private String propertyName(long fieldAt, long nameOffset) {
        if (nameOffset >= header.stringsSize()) {
            throw blob.error(fieldAt, "property nameoff 0x" + FdtHeader.hex(nameOffset)
                + " lies outside the 0x" + FdtHeader.hex(header.stringsSize()) + "-byte strings block");
        }
        long start = header.stringsOffset() + nameOffset;
        long nul = blob.indexOfNul(start, header.stringsEnd());
        if (nul < 0) {
            throw blob.error(start, "property name at nameoff 0x" + FdtHeader.hex(nameOffset)
                + " is not NUL-terminated inside the strings block");
        }
        String name = new String(blob.slice(start, nul - start), StandardCharsets.UTF_8);
        if (name.isEmpty()) {
            throw blob.error(start, "property name at nameoff 0x" + FdtHeader.hex(nameOffset) + " is empty");
        }
        String bad = firstNonPrintable(name);
        if (bad != null) {
            throw blob.error(start, "property name '" + name + "' contains " + bad);
        }
        return name;
    }

    private void checkNodeName(long at, String name, NodeBuilder parent) {
        if (parent == null) {
            if (!name.isEmpty()) {
                throw blob.error(at, "root node name must be empty, found '" + name + "'");
            }
            return;
        }
        if (name.isEmpty()) {
            throw blob.error(at, "node in " + parent.path + " has an empty name (only the root may)");
        }
        if (name.indexOf('/') >= 0) {
            throw blob.error(at, "node name '" + name + "' contains '/'");
        }
        String bad = firstNonPrintable(name);
        if (bad != null) {
            throw blob.error(at, "node name '" + name + "' contains " + bad);
        }
    }

    /** Names are ASCII in every binding; a control or non-ASCII byte means a corrupt blob. */
    private static String firstNonPrintable(String name) {
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            if (c <= ' ' || c > '~') {
                return String.format("the non-printable character U+%04X", (int) c);
            }
        }
        return null;
    }

    /** A node whose properties and children are still being read. */
    private final class NodeBuilder {
        final String name;
        final String path;
        final long offset;
        private final List<DtProperty> properties = new ArrayList<>();
        private final Set<String> propertyNames = new HashSet<>();
        private final List<DtNode> children = new ArrayList<>();
        private final Set<String> childNames = new HashSet<>();

        NodeBuilder(String name, NodeBuilder parent, long offset) {
            this.name = name;
            this.path = parent == null ? "/" : (parent.path.equals("/") ? "" : parent.path) + "/" + name;
            this.offset = offset;
        }

        boolean hasChildren() {
            return !children.isEmpty();
        }

        void addProperty(DtProperty p, long at) {
            if (!propertyNames.add(p.name())) {
                throw blob.error(at, "duplicate property '" + p.name() + "' in " + path);
            }
            if ((p.name().equals("phandle") || p.name().equals("linux,phandle")) && p.length() != 4) {
                throw blob.error(at, "property '" + p.name() + "' of " + path + " has " + p.length()
                    + " bytes; a phandle is one 32-bit cell");
            }
            properties.add(p);
        }

        void addChild(DtNode child, long at) {
            if (!childNames.add(child.name())) {
                throw blob.error(at, "duplicate node name '" + child.name() + "' in " + path);
            }
            children.add(child);
        }

        DtNode build() {
            return new DtNode(name, properties, children);
        }
    }
}
