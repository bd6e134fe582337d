package org.dmasim.cma;

import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import org.dmasim.api.cma.CmaArea;
import org.dmasim.api.cma.CmaAreas;

/**
 * {@code cma_areas[]} of one platform, {@code dma_contiguous_default_area}, and the state
 * {@code mm/cma.c} shares between areas ({@link CmaGlobals}). Areas are added during boot
 * only; run-time readers see a stable list.
 */
final class CmaRegistry implements CmaAreas {
    private final List<Cma> areas = new CopyOnWriteArrayList<>();
    private final int maxAreas;
    private final CmaGlobals globals;
    private volatile Cma defaultArea;

    CmaRegistry(int maxAreas, CmaGlobals globals) {
        this.maxAreas = maxAreas;
        this.globals = globals;
    }

    CmaGlobals globals() {
        return globals;
    }

    boolean full() {
        return areas.size() >= maxAreas;
    }

    void add(Cma cma) {
        areas.add(cma);
    }

    void setDefault(Cma cma) {
        defaultArea = cma;
    }

    List<Cma> all() {
        return areas;
    }

    @Override
    public List<CmaArea> areas() {
        return List.copyOf(areas);
    }

    @Override
    public Optional<CmaArea> defaultArea() {
        return Optional.ofNullable(defaultArea);
    }

    @Override
    public long totalPages() {
        long t = 0;
        for (Cma c : areas) {
            t += c.count();
        }
        return t;
    }

    @Override
    public long cmaAllocSuccess() {
        return globals.allocSuccess.get();
    }

    @Override
    public long cmaAllocFail() {
        return globals.allocFail.get();
    }
}
