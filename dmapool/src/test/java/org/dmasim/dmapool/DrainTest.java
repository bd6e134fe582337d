package org.dmasim.dmapool;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import org.dmasim.api.backend.BackendLifecycle;
import org.dmasim.api.backend.BackendState;
import org.dmasim.api.dmapool.DmaBlock;
import org.dmasim.api.dmapool.DmaPool;
import org.dmasim.api.mm.Gfp;
import org.junit.jupiter.api.Test;

/**
 * A dma_pool service as a backend instance: each pool is one holding; a retired service makes
 * no new pools while its pools keep working, and is released with the last of them; forced out,
 * its pools are revoked and their later use refused.
 */
class DrainTest {
    private final Fixture f = new Fixture("6.1");
    private final DmaPoolsService service = (DmaPoolsService) f.pools;
    private final BackendLifecycle instance = new BackendLifecycle("dmapool", "dmapool#1", "test", () -> { });

    DrainTest() {
        service.attach(instance);
    }

    @Test
    void aRetiredServiceServesItsPoolsAndIsReleasedWithTheLast() {
        DmaPool pool = f.create("p", 64, 64, 0);
        DmaBlock b = pool.alloc(Gfp.GFP_KERNEL).orElseThrow();
        assertEquals(1, instance.held());
        assertFalse(instance.retire());
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> f.create("q", 64, 64, 0));
        assertTrue(e.getMessage().contains("dmapool#1) is DRAINING and takes no new pools"), e.getMessage());
        assertEquals(1, instance.held(), "the refused create took nothing");
        pool.free(b);
        DmaBlock again = pool.alloc(Gfp.GFP_KERNEL).orElseThrow();
        pool.free(again);
        pool.destroy();
        assertEquals(BackendState.RELEASED, instance.state());
    }

    @Test
    void forcedOutPoolsAreRevoked() {
        DmaPool pool = f.create("p", 64, 64, 0);
        DmaBlock b = pool.alloc(Gfp.GFP_KERNEL).orElseThrow();
        List<String> report = new ArrayList<>();
        service.revoke(instance, report::add);
        instance.forceOut();
        assertEquals(List.of("dmasim: platform nc: dma_pool p revoked with 1 blocks in use: dmapool#1 was forced out; its 1"
            + " chunks stay allocated"), report);
        assertThrows(IllegalArgumentException.class, () -> pool.alloc(Gfp.GFP_KERNEL));
        assertThrows(IllegalArgumentException.class, () -> pool.free(b));
        assertThrows(IllegalArgumentException.class, pool::destroy);
        assertTrue(f.pools.pools().isEmpty());
        assertEquals(1, f.dma.allocations().size(), "the chunk stays allocated: nothing the driver holds is reused");
    }

    @Test
    void anotherInstancesForceOutLeavesThePoolsAlone() {
        f.create("p", 64, 64, 0);
        service.revoke(new BackendLifecycle("dmapool", "dmapool#2", "", () -> { }), l -> { });
        assertEquals(1, f.pools.pools().size());
    }
}
