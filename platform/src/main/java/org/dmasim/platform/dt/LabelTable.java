package org.dmasim.platform.dt;

import java.util.HashMap;
import java.util.Map;

/** Node labels ({@code lbl: node {...}}) and the lookups behind {@code &lbl} and {@code &{/path}}. */
final class LabelTable {
    private final Map<String, MutableNode> nodes = new HashMap<>();
    private final MutableNode root;

    LabelTable(MutableNode root) {
        this.root = root;
    }

    void define(String label, MutableNode node, SourcePosition at) {
        MutableNode existing = lookup(label);
        if (existing != null && existing != node) {
            throw at.error("duplicate label '" + label + "': already on " + existing.path());
        }
        nodes.put(label, node);
        node.labels.putIfAbsent(label, at);
    }

    /** The live node carrying the label, or null (never defined, or its node was deleted). */
    MutableNode lookup(String label) {
        MutableNode n = nodes.get(label);
        return n != null && n.labels.containsKey(label) ? n : null;
    }

    /**
     * Resolves what follows '&': a label, a path starting with '/', or (as newer dtc allows)
     * {@code label/sub/path}. Throws an error naming what was not found.
     */
    MutableNode resolve(String target, SourcePosition at) {
        if (target.startsWith("/")) {
            MutableNode n = walk(root, target.substring(1));
            if (n == null) {
                throw at.error("no node at path '" + target + "'");
            }
            return n;
        }
        int slash = target.indexOf('/');
        String label = slash < 0 ? target : target.substring(0, slash);
        MutableNode n = lookup(label);
        if (n == null) {
            throw at.error("undefined label '" + label + "'");
        }
        if (slash >= 0) {
            MutableNode below = walk(n, target.substring(slash + 1));
            if (below == null) {
                throw at.error("no node at path '" + target.substring(slash) + "' below label '" + label + "'");
            }
            return below;
        }
        return n;
    }

    private static MutableNode walk(MutableNode from, String relativePath) {
        MutableNode n = from;
        for (String part : relativePath.split("/")) {
            if (part.isEmpty()) {
                continue;
            }
            n = n.liveChild(part);
            if (n == null) {
                return null;
            }
        }
        return n;
    }
}
