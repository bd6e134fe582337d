package org.dmasim.platform.boot;

import java.util.EnumSet;
import java.util.Set;
import org.dmasim.api.boot.BootContext;
import org.dmasim.api.boot.BootParticipant;
import org.dmasim.api.boot.BootPhase;
import org.dmasim.api.platform.Arch;
import org.dmasim.api.platform.KernelCmdline;

/**
 * {@code start_kernel()}'s "Kernel command line:" notice, followed by a remark when the command
 * line came from the tree's {@code /chosen/bootargs} or replaced it. It shows the line as the
 * kernel holds it, so a line longer than {@code COMMAND_LINE_SIZE - 1} bytes appears cut; the
 * kernel says nothing about the cut, dmasim does.
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
        KernelCmdline cmdline = ctx.spec().cmdline();
        ctx.log().notice("Kernel command line: " + cmdline.raw());
        String remark = ctx.spec().loader().cmdlineRemark();
        if (!remark.isEmpty()) {
            ctx.log().dmasim(remark);
        }
        if (cmdline.wasCut()) {
            ctx.log().dmasim("the command line given is " + cmdline.givenBytes() + " bytes; a bootloader copies at most "
                + (KernelCmdline.COMMAND_LINE_SIZE - 1) + " of them (COMMAND_LINE_SIZE " + KernelCmdline.COMMAND_LINE_SIZE
                + " with its NUL), so Linux sees only the line above and ignores the rest");
        }
    }
}
