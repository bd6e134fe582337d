package org.dmasim.api.backend;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * An instance that is part of another (an IOMMU domain of its IOMMU): one holding of the child
 * holds both, the parent drains through its children, a child drains on its own.
 */
class BackendLifecycleChildTest {
    private final AtomicInteger parentReleases = new AtomicInteger();
    private final AtomicInteger childReleases = new AtomicInteger();
    private final BackendLifecycle iommu = new BackendLifecycle("iommu.smmu", "iommu.smmu#1", "SMMUv3",
        parentReleases::incrementAndGet);
    private final BackendLifecycle domain = new BackendLifecycle("iommu-domain", "iommu-domain#0", "DMA domain",
        childReleases::incrementAndGet);

    @Test
    void aChildsHoldingsCountInItsParent() {
        domain.attachTo(iommu);
        assertSame(iommu, domain.parent().orElseThrow());
        assertTrue(domain.tryHold() && domain.tryHold());
        assertTrue(iommu.tryHold());
        assertEquals(2, domain.held());
        assertEquals(3, iommu.held(), "its own holding and the domain's two");
    }

    @Test
    void aDrainingParentTakesNoNewWorkThroughItsChildrenAndIsReleasedByTheirLastGive() {
        domain.attachTo(iommu);
        assertTrue(domain.tryHold());
        assertFalse(iommu.retire(), "the domain still holds one");
        assertEquals(BackendState.DRAINING, iommu.state());
        assertEquals(BackendState.ACTIVE, domain.state());
        assertFalse(domain.tryHold(), "no new work through a child of a draining parent");
        assertEquals(1, iommu.held());
        domain.unhold();
        assertEquals(BackendState.RELEASED, iommu.state(), "the child's last give released the parent");
        assertEquals(1, parentReleases.get());
        assertEquals(0, childReleases.get(), "the child itself was never retired");
    }

    @Test
    void aChildDrainsOnItsOwnAndLeavesItsParent() {
        domain.attachTo(iommu);
        assertTrue(domain.tryHold());
        assertFalse(domain.retire());
        assertFalse(domain.tryHold());
        assertTrue(iommu.tryHold(), "the parent still takes work");
        domain.unhold();
        assertEquals(BackendState.RELEASED, domain.state());
        assertEquals(1, childReleases.get());
        assertEquals(1, iommu.held(), "only the parent's own holding is left");
        iommu.unhold();
        assertTrue(iommu.retire(), "idle now: released by the retire");
    }

    @Test
    void aForcedOutParentRefusesItsChildrensNewWorkAndTheirGivesChangeNothing() {
        domain.attachTo(iommu);
        assertTrue(domain.tryHold());
        assertEquals(1, iommu.forceOut(), "the child's holding was live");
        assertTrue(iommu.forcedOut());
        assertFalse(domain.tryHold());
        domain.unhold();
        assertEquals(1, parentReleases.get());
        assertEquals(0, iommu.held());
    }

    @Test
    void aGiveWithoutATakeOnTheParentIsCaughtWhileChildrenHold() {
        domain.attachTo(iommu);
        assertTrue(domain.tryHold());
        assertThrows(IllegalStateException.class, iommu::unhold);
        assertEquals(1, iommu.held(), "the refused give changed nothing");
    }

    @Test
    void aChildIsAttachedOnceAndBringsTheHoldingsItHasAlready() {
        assertTrue(domain.tryHold());
        domain.attachTo(iommu);
        assertEquals(1, iommu.held(), "the holding taken before counts in the parent");
        assertFalse(iommu.retire());
        domain.unhold();
        assertEquals(BackendState.RELEASED, iommu.state());
        assertThrows(IllegalStateException.class, () -> domain.attachTo(iommu), "once");
        assertThrows(IllegalStateException.class, () -> iommu.attachTo(iommu), "not to itself");
        BackendLifecycle late = new BackendLifecycle("iommu-domain", "iommu-domain#1", "", () -> { });
        assertThrows(IllegalStateException.class, () -> late.attachTo(iommu), "not to a released parent");
    }
}
