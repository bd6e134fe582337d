package org.dmasim.platform.oracle;

import java.util.ArrayList;
import java.util.List;

/**
 * The line selection the oracle README defines: the zone/node blocks with their indented
 * lines, and every line starting with one of the DMA-related prefixes.
 */
public final class OracleSelection {
    private static final String[] PREFIXES = {"Initmem setup node ", "Built ", "cma: ", "Reserved memory: ",
        "OF: reserved mem: ", "software IO TLB: ", "DMA: preallocated ", "DMA: failed to allocate ",
        "iommu: Default domain type: ", "iommu: DMA domain TLB invalidation policy: "};

    private OracleSelection() {
    }

    public static List<String> select(List<String> log) {
        List<String> out = new ArrayList<>();
        String block = null;
        for (String line : log) {
            if (line.equals("Zone ranges:") || line.equals("Movable zone start for each node")
                || line.equals("Early memory node ranges")) {
                out.add(line);
                block = line;
                continue;
            }
            if (block != null && line.startsWith("  ")) {
                boolean take = block.equals("Zone ranges:") || block.startsWith("Movable") && line.startsWith("  Node ")
                    || block.startsWith("Early") && line.startsWith("  node ");
                if (take) {
                    out.add(line);
                    continue;
                }
            }
            block = null;
            for (String p : PREFIXES) {
                if (line.startsWith(p) && (!p.equals("Built ") || line.matches("Built \\d+ zonelists.*"))) {
                    out.add(line);
                    break;
                }
            }
        }
        return out;
    }
}
