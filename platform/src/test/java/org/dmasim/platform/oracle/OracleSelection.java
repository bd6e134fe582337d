package org.dmasim.platform.oracle;

import java.util.List;
import org.dmasim.api.platform.BootLog;

/**
 * The line selection the oracle README defines: the zone/node blocks with their indented
 * lines, and every line starting with one of the DMA-related prefixes ({@link BootLog#keyLines}).
 */
public final class OracleSelection {
    private OracleSelection() {
    }

    public static List<String> select(List<String> log) {
        return BootLog.keyLines(log);
    }
}
