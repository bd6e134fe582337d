package org.dmasim.platform.mem;

import java.util.EnumSet;
import java.util.Set;
import org.dmasim.api.boot.ArchSupport;
import org.dmasim.api.boot.BootContext;
import org.dmasim.api.boot.BootParticipant;
import org.dmasim.api.boot.BootPhase;
import org.dmasim.api.boot.KernelVirtualLayout;
import org.dmasim.api.boot.Memblock;
import org.dmasim.api.mem.KernelVm;
import org.dmasim.api.mem.PhysMemory;
import org.dmasim.api.platform.Arch;

/**
 * Publishes the platform's RAM contents and kernel address space once memblock.memory is final
 * (the start of free_area_init), ahead of everything that allocates at run time.
 */
public final class MemoryBoot implements BootParticipant {
    @Override
    public String name() {
        return "memory";
    }

    @Override
    public Set<BootPhase> phases(Arch arch) {
        return EnumSet.of(BootPhase.FREE_AREA_INIT);
    }

    @Override
    public int rank(BootPhase phase) {
        // Before the zones are built (mm.buddy attaches the RAM contents to its allocator).
        return -50;
    }

    @Override
    public void run(BootPhase phase, BootContext ctx) {
        Memblock mb = ctx.memblock();
        SparseRam ram = new SparseRam(mb.memory());
        ctx.put(PhysMemory.class, ram);
        KernelVirtualLayout layout = ctx.require(ArchSupport.class).virtualLayout(mb.startOfDram());
        ctx.put(KernelVm.class, new KernelAddressSpace(layout, ram, mb.endOfDram()));
    }
}
