package org.dmasim.platform.dt;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;

import org.dmasim.api.dt.DeviceTree;
import org.dmasim.api.dt.DtNode;
import org.dmasim.api.dt.DtProperty;

/** Structural equality of device trees: names, property order and bytes, child order, reservations. */
final class TreeAssert {
    private TreeAssert() {
    }

    static void assertTreesEqual(DeviceTree expected, DeviceTree actual) {
        assertEquals(expected.memReserves(), actual.memReserves(), "memory reservations");
        assertNodesEqual(expected.root(), actual.root());
    }

    static void assertNodesEqual(DtNode expected, DtNode actual) {
        String where = expected.path();
        assertEquals(expected.name(), actual.name(), "node name at " + where);
        assertEquals(new ArrayList<>(expected.properties().keySet()), new ArrayList<>(actual.properties().keySet()),
            "property names and order of " + where);
        for (DtProperty p : expected.properties().values()) {
            DtProperty q = actual.properties().get(p.name());
            if (!p.equals(q)) {
                fail("property '" + p.name() + "' of " + where + ": expected " + hex(p) + " but was " + hex(q));
            }
        }
        assertEquals(names(expected.children()), names(actual.children()), "children and order of " + where);
        for (int i = 0; i < expected.children().size(); i++) {
            assertNodesEqual(expected.children().get(i), actual.children().get(i));
        }
    }

    private static List<String> names(List<DtNode> nodes) {
        List<String> out = new ArrayList<>();
        for (DtNode n : nodes) {
            out.add(n.name());
        }
        return out;
    }

    static String hex(DtProperty p) {
        return p == null ? "(absent)" : "[" + HexFormat.ofDelimiter(" ").formatHex(p.value()) + "]";
    }
}
