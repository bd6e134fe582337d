package org.dmasim.platform.dt;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A node while DTS is being parsed: later blocks merge into it, and deletion only marks it
 * (and everything below) deleted. Keeping tombstones is what dtc does, and it matters: a node
 * or property that is deleted and then defined again comes back at its old position.
 */
final class MutableNode {
    final String name;
    final MutableNode parent;
    final SourcePosition definedAt;
    final List<MutableProperty> properties = new ArrayList<>();
    final List<MutableNode> children = new ArrayList<>();
    /** Live labels and where each was written; cleared on deletion so references to them fail. */
    final Map<String, SourcePosition> labels = new LinkedHashMap<>();
    boolean deleted;
    /** 0 while the node has no phandle; set from an explicit property or on allocation. */
    long phandle;

    MutableNode(String name, MutableNode parent, SourcePosition definedAt) {
        this.name = name;
        this.parent = parent;
        this.definedAt = definedAt;
    }

    /** The property of that name, deleted or not. */
    MutableProperty property(String propertyName) {
        for (MutableProperty p : properties) {
            if (p.name.equals(propertyName)) {
                return p;
            }
        }
        return null;
    }

    MutableProperty liveProperty(String propertyName) {
        MutableProperty p = property(propertyName);
        return p == null || p.deleted ? null : p;
    }

    /** The child of that name, deleted or not. */
    MutableNode child(String childName) {
        for (MutableNode c : children) {
            if (c.name.equals(childName)) {
                return c;
            }
        }
        return null;
    }

    MutableNode liveChild(String childName) {
        MutableNode c = child(childName);
        return c == null || c.deleted ? null : c;
    }

    /** Defines or redefines a property in place (merge semantics: the new value wins). */
    void setProperty(String propertyName, PropertyValue value, SourcePosition at,
                     List<DtsTokens.LabelDef> propertyLabels) {
        MutableProperty p = property(propertyName);
        if (p == null) {
            p = new MutableProperty(propertyName, value, at);
            properties.add(p);
        } else {
            p.value = value;
            p.definedAt = at;
            p.deleted = false;
        }
        p.labels.addAll(propertyLabels);
    }

    /** Returns the existing child of that name (reviving it if deleted) or a new last child. */
    MutableNode childForMerge(String childName, SourcePosition at) {
        MutableNode c = child(childName);
        if (c == null) {
            c = new MutableNode(childName, this, at);
            children.add(c);
        }
        c.deleted = false;
        return c;
    }

    void delete() {
        deleted = true;
        labels.clear();
        for (MutableProperty p : properties) {
            p.delete();
        }
        for (MutableNode c : children) {
            c.delete();
        }
    }

    String path() {
        if (parent == null) {
            return "/";
        }
        String p = parent.path();
        return (p.equals("/") ? "" : p) + "/" + name;
    }

    int depth() {
        return parent == null ? 1 : parent.depth() + 1;
    }
}
