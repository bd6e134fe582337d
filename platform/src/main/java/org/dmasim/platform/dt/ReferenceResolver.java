package org.dmasim.platform.dt;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;

import org.dmasim.api.dt.DeviceTree;
import org.dmasim.api.dt.DtNode;
import org.dmasim.api.dt.DtProperty;

/**
 * The pass after parsing, in dtc's order: check explicit phandles, give every node that a
 * {@code <&ref>} points at a phandle, fill in phandle and path references, then freeze the
 * live (undeleted) nodes into the immutable API model.
 *
 * <p>Phandles are allocated as dtc does: walking the final tree in document order (each node's
 * properties, then its children), a target without a phandle gets the smallest number from 1
 * up that no node uses, and a {@code phandle} property appended to it.
 */
final class ReferenceResolver {
    private final MutableNode root;
    private final LabelTable labels;
    private final Map<Long, MutableNode> byPhandle = new HashMap<>();
    /** Where each frozen property and node was last defined, for later semantic errors. */
    private final Map<Object, SourcePosition> positions = new IdentityHashMap<>();
    private final Map<PropertyValue.Reference, Long> resolvedPhandles = new IdentityHashMap<>();
    private long nextFree = 1;

    ReferenceResolver(MutableNode root, LabelTable labels) {
        this.root = root;
        this.labels = labels;
    }

    DeviceTree finish(List<DeviceTree.MemReserve> memReserves, String sourceName) {
        checkLabelsUnique(root, new HashMap<>());
        collectExplicitPhandles(root);
        resolvePhandleReferences(root);
        return new DeviceTree(freeze(root), memReserves, sourceName);
    }

    /** Source positions of the frozen tree's {@code DtNode}s and {@code DtProperty}s (identity keys). */
    Map<Object, SourcePosition> positions() {
        return positions;
    }

    /** Who carries a label, for the duplicate message. */
    private record LabelOwner(Object owner, String description) {
    }

    /**
     * Node labels are checked as they are defined (a reference must find one node); labels on
     * properties and inside values mean nothing to us, but dtc rejects duplicates among all of
     * them in the final tree, and so do we.
     */
    private static void checkLabelsUnique(MutableNode node, Map<String, LabelOwner> seen) {
        for (Map.Entry<String, SourcePosition> l : node.labels.entrySet()) {
            claim(seen, l.getKey(), l.getValue(), new LabelOwner(node, node.path()));
        }
        for (MutableProperty p : node.properties) {
            if (p.deleted) {
                continue;
            }
            String where = "property '" + p.name + "' of " + node.path();
            for (DtsTokens.LabelDef l : p.labels) {
                claim(seen, l.name(), l.at(), new LabelOwner(p, where));
            }
            for (DtsTokens.LabelDef l : p.value.labels()) {
                claim(seen, l.name(), l.at(), new LabelOwner(l, "a value of " + where));
            }
        }
        for (MutableNode c : node.children) {
            if (!c.deleted) {
                checkLabelsUnique(c, seen);
            }
        }
    }

    private static void claim(Map<String, LabelOwner> seen, String label, SourcePosition at, LabelOwner owner) {
        LabelOwner other = seen.putIfAbsent(label, owner);
        if (other != null && other.owner() != owner.owner()) {
            throw at.error("duplicate label '" + label + "': already on " + other.description());
        }
    }

    private void collectExplicitPhandles(MutableNode node) {
        MutableProperty epapr = node.liveProperty("phandle");
        MutableProperty legacy = node.liveProperty("linux,phandle");
        long a = explicitPhandle(node, epapr);
        long b = explicitPhandle(node, legacy);
        if (a != 0 && b != 0 && a != b) {
            throw legacy.definedAt.error("'linux,phandle' <0x" + Long.toHexString(b) + "> of " + node.path()
                + " differs from its 'phandle' <0x" + Long.toHexString(a) + ">");
        }
        long phandle = a != 0 ? a : b;
        if (phandle != 0) {
            MutableNode other = byPhandle.putIfAbsent(phandle, node);
            if (other != null && other != node) {
                MutableProperty p = a != 0 ? epapr : legacy;
                throw p.definedAt.error("phandle 0x" + Long.toHexString(phandle) + " of " + node.path()
                    + " is already used by " + other.path());
            }
            node.phandle = phandle;
        }
        for (MutableNode c : node.children) {
            if (!c.deleted) {
                collectExplicitPhandles(c);
            }
        }
    }

    /** The literal phandle value, or 0 when absent or a self-reference ({@code phandle = <&me>}). */
    private long explicitPhandle(MutableNode node, MutableProperty p) {
        if (p == null) {
            return 0;
        }
        byte[] bytes = p.value.bytes();
        List<PropertyValue.Reference> refs = p.value.references();
        if (!refs.isEmpty()) {
            PropertyValue.Reference r = refs.get(0);
            boolean self = refs.size() == 1 && bytes.length == 4 && r.kind() == PropertyValue.RefKind.PHANDLE
                && labels.resolve(r.target(), r.at()) == node;
            if (self) {
                return 0;
            }
            throw p.definedAt.error("'" + p.name + "' of " + node.path()
                + " must be a number, not a reference to another node");
        }
        if (bytes.length != 4) {
            throw p.definedAt.error("'" + p.name + "' of " + node.path() + " must be one 32-bit cell, not "
                + bytes.length + " bytes");
        }
        long v = (bytes[0] & 0xffL) << 24 | (bytes[1] & 0xffL) << 16 | (bytes[2] & 0xffL) << 8 | (bytes[3] & 0xffL);
        if (v == 0 || v == 0xffffffffL) {
            throw p.definedAt.error("'" + p.name + "' of " + node.path() + " has the reserved value 0x"
                + Long.toHexString(v));
        }
        return v;
    }

    private void resolvePhandleReferences(MutableNode node) {
        // Copy: allocating a phandle for this very node appends to its property list.
        for (MutableProperty p : new ArrayList<>(node.properties)) {
            if (p.deleted) {
                continue;
            }
            for (PropertyValue.Reference r : p.value.references()) {
                if (r.kind() == PropertyValue.RefKind.PHANDLE) {
                    resolvedPhandles.put(r, phandleOf(labels.resolve(r.target(), r.at())));
                }
            }
        }
        for (MutableNode c : new ArrayList<>(node.children)) {
            if (!c.deleted) {
                resolvePhandleReferences(c);
            }
        }
    }

    private long phandleOf(MutableNode target) {
        if (target.phandle != 0) {
            return target.phandle;
        }
        while (byPhandle.containsKey(nextFree)) {
            nextFree++;
        }
        long phandle = nextFree;
        byPhandle.put(phandle, target);
        target.phandle = phandle;
        if (target.liveProperty("phandle") == null) {
            PropertyValue.Builder v = new PropertyValue.Builder();
            v.integer(phandle, 32);
            target.properties.add(new MutableProperty("phandle", v.build(), target.definedAt));
        }
        return phandle;
    }

    private DtNode freeze(MutableNode node) {
        List<DtProperty> properties = new ArrayList<>();
        for (MutableProperty p : node.properties) {
            if (!p.deleted) {
                DtProperty frozen = new DtProperty(p.name, finalBytes(p.value));
                positions.put(frozen, p.definedAt);
                properties.add(frozen);
            }
        }
        List<DtNode> children = new ArrayList<>();
        for (MutableNode c : node.children) {
            if (!c.deleted) {
                children.add(freeze(c));
            }
        }
        DtNode frozen = new DtNode(node.name, properties, children);
        if (node.definedAt != null) {
            positions.put(frozen, node.definedAt);
        }
        return frozen;
    }

    /** The value with phandle placeholders overwritten and path references inserted. */
    private byte[] finalBytes(PropertyValue value) {
        if (value.references().isEmpty()) {
            return value.bytes();
        }
        byte[] bytes = value.bytes();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        int copied = 0;
        for (PropertyValue.Reference r : value.references()) {
            out.write(bytes, copied, r.offset() - copied);
            copied = r.offset();
            if (r.kind() == PropertyValue.RefKind.PHANDLE) {
                long ph = resolvedPhandles.get(r);
                out.write((int) (ph >>> 24));
                out.write((int) (ph >>> 16));
                out.write((int) (ph >>> 8));
                out.write((int) ph);
                copied += 4;
            } else {
                out.writeBytes(labels.resolve(r.target(), r.at()).path().getBytes(StandardCharsets.UTF_8));
                out.write(0);
            }
        }
        out.write(bytes, copied, bytes.length - copied);
        return out.toByteArray();
    }
}
