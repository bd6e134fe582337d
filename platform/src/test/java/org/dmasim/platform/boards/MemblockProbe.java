package org.dmasim.platform.boards;

import java.util.EnumSet;
import java.util.Set;
import org.dmasim.api.boot.BootContext;
import org.dmasim.api.boot.BootParticipant;
import org.dmasim.api.boot.BootPhase;
import org.dmasim.api.boot.Memblock;
import org.dmasim.api.platform.Arch;

/**
 * A boot participant that keeps a reference to the boot's memblock, so that a test can look at
 * the reserved regions after the boot (memblock is never discarded in dmasim).
 */
public final class MemblockProbe implements BootParticipant {
    private Memblock memblock;

    @Override
    public String name() {
        return "test.memblock";
    }

    @Override
    public Set<BootPhase> phases(Arch arch) {
        return EnumSet.of(BootPhase.MEMBLOCK);
    }

    @Override
    public int rank(BootPhase phase) {
        return Integer.MAX_VALUE;
    }

    @Override
    public void run(BootPhase phase, BootContext ctx) {
        memblock = ctx.memblock();
    }

    public Memblock memblock() {
        if (memblock == null) {
            throw new IllegalStateException("the boot never reached memblock");
        }
        return memblock;
    }
}
