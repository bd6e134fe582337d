package org.dmasim.platform.profile;

import java.util.ArrayList;
import java.util.List;
import org.dmasim.api.platform.InvalidInputException;
import org.dmasim.api.platform.MemoryRange;
import org.dmasim.api.platform.Memparse;

/** {@code --mem SIZE@BASE[,SIZE@BASE...]}: RAM banks that must not overlap. */
public final class MemBanks {
    private MemBanks() {
    }

    public static List<MemoryRange> parse(String spec) {
        List<MemoryRange> out = new ArrayList<>();
        for (String part : spec.split(",")) {
            String p = part.strip();
            int at = p.indexOf('@');
            if (at < 0) {
                throw new InvalidInputException("mem " + spec + ": bank '" + p + "' needs SIZE@BASE (e.g. 4G@0x40000000)");
            }
            long size = Memparse.parseSize("mem bank size", p.substring(0, at));
            long base = Memparse.parseSize("mem bank base", p.substring(at + 1));
            if (size == 0) {
                throw new InvalidInputException("mem " + spec + ": bank '" + p + "' has size 0");
            }
            MemoryRange bank = new MemoryRange(base, size);
            for (MemoryRange o : out) {
                if (o.overlaps(bank)) {
                    throw new InvalidInputException(String.format("mem %s: bank [%#x-%#x) overlaps bank [%#x-%#x);"
                        + " banks must be disjoint", spec, bank.base(), bank.end(), o.base(), o.end()));
                }
            }
            out.add(bank);
        }
        return out;
    }
}
