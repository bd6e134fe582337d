package org.dmasim.platform.dt;

import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.List;

/**
 * A property value as written in DTS: bytes plus the references that can only be filled in
 * once the whole tree is known (phandles of labels defined later, paths of nodes).
 */
final class PropertyValue {
    /** Where a reference sits in the value and what it resolves to. */
    enum RefKind {
        /** A 4-byte placeholder at {@code offset} for the target's phandle ({@code <&lbl>}). */
        PHANDLE,
        /** The target's path plus NUL, inserted at {@code offset} ({@code prop = &lbl;}). */
        PATH
    }

    /** {@code target} is a label, or a path when it starts with '/', as written after '&'. */
    record Reference(RefKind kind, int offset, String target, SourcePosition at) {
    }

    static final PropertyValue EMPTY = new PropertyValue(new byte[0], List.of(), List.of());

    private final byte[] bytes;
    private final List<Reference> references;
    private final List<DtsTokens.LabelDef> labels;

    PropertyValue(byte[] bytes, List<Reference> references, List<DtsTokens.LabelDef> labels) {
        this.bytes = bytes;
        this.references = List.copyOf(references);
        this.labels = List.copyOf(labels);
    }

    byte[] bytes() {
        return bytes;
    }

    List<Reference> references() {
        return references;
    }

    /** Labels written inside the value ({@code <a: 1 b: 2>}): they only have to be unique. */
    List<DtsTokens.LabelDef> labels() {
        return labels;
    }

    /** Collects bytes and references while a value is parsed. */
    static final class Builder {
        private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        private final List<Reference> references = new ArrayList<>();
        private final List<DtsTokens.LabelDef> labels = new ArrayList<>();

        void bytes(byte[] b) {
            bytes.writeBytes(b);
        }

        /** Appends {@code value} as a big-endian integer of {@code bits} bits. */
        void integer(long value, int bits) {
            for (int shift = bits - 8; shift >= 0; shift -= 8) {
                bytes.write((int) (value >>> shift));
            }
        }

        void phandleReference(String target, SourcePosition at) {
            references.add(new Reference(RefKind.PHANDLE, bytes.size(), target, at));
            integer(0xffffffffL, 32); // placeholder, overwritten once phandles are assigned
        }

        void pathReference(String target, SourcePosition at) {
            references.add(new Reference(RefKind.PATH, bytes.size(), target, at));
        }

        void labels(List<DtsTokens.LabelDef> more) {
            labels.addAll(more);
        }

        PropertyValue build() {
            return new PropertyValue(bytes.toByteArray(), references, labels);
        }
    }
}
