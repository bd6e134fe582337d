package org.dmasim.api.mm;

import org.osgi.annotation.versioning.ConsumerType;

/**
 * Whoever holds a movable allocation and must learn where it went when the kernel migrates it
 * (the simulator's stand-in for the rmap walk that rewrites page table entries). Called with
 * the allocator's lock held and after the contents were copied: record the new pfn, do not call
 * back into the allocator.
 */
@ConsumerType
@FunctionalInterface
public interface MovablePageOwner {
    void migrated(long oldPfn, long newPfn, int order);
}
