package org.dmasim.cma;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.dmasim.api.cma.CmaArea;
import org.dmasim.api.cma.CmaAreas;

/** {@code cma_areas[]} of one platform and {@code dma_contiguous_default_area}. */
final class CmaRegistry implements CmaAreas {
    private final List<Cma> areas = new ArrayList<>();
    private final int maxAreas;
    private Cma defaultArea;

    CmaRegistry(int maxAreas) {
        this.maxAreas = maxAreas;
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
}
