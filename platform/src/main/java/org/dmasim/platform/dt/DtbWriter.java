package org.dmasim.platform.dt;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;

import org.dmasim.api.dt.DeviceTree;
import org.dmasim.api.dt.DtNode;
import org.dmasim.api.dt.DtProperty;

/**
 * Writes a {@link DeviceTree} as a version-17 DTB laid out like {@code dtc -O dtb}: header,
 * memory reservations, structure block, strings block, no padding, boot CPU 0.
 */
public final class DtbWriter {
    private final Words struct = new Words();
    private final StringTable strings = new StringTable();

    private DtbWriter() {
    }

    public static byte[] write(DeviceTree tree) {
        return write(tree.root(), tree.memReserves());
    }

    /** A blob from a root node that need not make a valid {@link DeviceTree} (tests write broken ones). */
    public static byte[] write(DtNode root, java.util.List<DeviceTree.MemReserve> memReserves) {
        DtbWriter w = new DtbWriter();
        w.writeNode(root);
        w.struct.u32(Fdt.END);

        Words reservations = new Words();
        for (DeviceTree.MemReserve r : memReserves) {
            reservations.u64(r.address());
            reservations.u64(r.size());
        }
        reservations.u64(0);
        reservations.u64(0);

        byte[] rsv = reservations.toByteArray();
        byte[] st = w.struct.toByteArray();
        byte[] str = w.strings.toByteArray();
        int rsvOffset = Fdt.HEADER_SIZE_V17; // 40, already 8-byte aligned
        int structOffset = rsvOffset + rsv.length;
        int stringsOffset = structOffset + st.length;
        int total = stringsOffset + str.length;

        Words out = new Words();
        out.u32(Fdt.MAGIC);
        out.u32(total);
        out.u32(structOffset);
        out.u32(stringsOffset);
        out.u32(rsvOffset);
        out.u32(Fdt.VERSION);
        out.u32(Fdt.LAST_COMPATIBLE_VERSION);
        out.u32(0);
        out.u32(str.length);
        out.u32(st.length);
        out.bytes(rsv);
        out.bytes(st);
        out.bytes(str);
        return out.toByteArray();
    }

    private void writeNode(DtNode node) {
        struct.u32(Fdt.BEGIN_NODE);
        struct.bytes(node.name().getBytes(StandardCharsets.UTF_8));
        struct.bytes(new byte[] {0});
        struct.padTo4();
        for (DtProperty p : node.properties().values()) {
            byte[] value = p.value();
            struct.u32(Fdt.PROP);
            struct.u32(value.length);
            struct.u32(strings.offsetOf(p.name()));
            struct.bytes(value);
            struct.padTo4();
        }
        for (DtNode child : node.children()) {
            writeNode(child);
        }
        struct.u32(Fdt.END_NODE);
    }

    /** Big-endian byte sink. */
    private static final class Words extends ByteArrayOutputStream {
        void u32(long v) {
            write((int) (v >>> 24));
            write((int) (v >>> 16));
            write((int) (v >>> 8));
            write((int) v);
        }

        void u64(long v) {
            u32(v >>> 32);
            u32(v);
        }

        void bytes(byte[] b) {
            write(b, 0, b.length);
        }

        void padTo4() {
            while (count % 4 != 0) {
                write(0);
            }
        }
    }

    /**
     * The strings block. A name that already occurs as a NUL-terminated tail of an earlier
     * entry ("cells" inside "#size-cells") reuses it, which is what dtc does too, so our output
     * for a dtc-compiled tree is byte-for-byte the same.
     */
    private static final class StringTable {
        private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        private final StringBuilder text = new StringBuilder(); // same content, for searching

        int offsetOf(String name) {
            // Search byte-for-byte (one char per byte) so offsets stay byte offsets even for
            // a non-ASCII name.
            byte[] b = (name + '\0').getBytes(StandardCharsets.UTF_8);
            String needle = new String(b, StandardCharsets.ISO_8859_1);
            int at = text.indexOf(needle);
            if (at >= 0) {
                return at;
            }
            int offset = bytes.size();
            bytes.write(b, 0, b.length);
            text.append(needle);
            return offset;
        }

        byte[] toByteArray() {
            return bytes.toByteArray();
        }
    }
}
