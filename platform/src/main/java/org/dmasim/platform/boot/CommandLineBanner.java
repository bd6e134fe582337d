package org.dmasim.platform.boot;

import java.util.EnumSet;
import java.util.Set;
import org.dmasim.api.boot.BootContext;
import org.dmasim.api.boot.BootParticipant;
import org.dmasim.api.boot.BootPhase;
import org.dmasim.api.platform.Arch;

/**
 * {@code start_kernel()}'s "Kernel command line:" notice, followed by a remark when the command
 * line came from the tree's {@code /chosen/bootargs} or replaced it.
 */
public final class CommandLineBanner implements BootParticipant {
    @Override
    public String name() {
        return "platform.cmdline";
    }

    @Override
    public Set<BootPhase> phases(Arch arch) {
        return EnumSet.of(BootPhase.CMDLINE);
    }

    @Override
    public void run(BootPhase phase, BootContext ctx) {
        ctx.log().notice("Kernel command line: " + ctx.spec().cmdline().raw());
        String remark = ctx.spec().loader().cmdlineRemark();
        if (!remark.isEmpty()) {
            ctx.log().dmasim(remark);
        }
    }
}
