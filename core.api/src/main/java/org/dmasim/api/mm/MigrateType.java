package org.dmasim.api.mm;

/** Linux 6.1 migratetypes (CONFIG_CMA and CONFIG_MEMORY_ISOLATION on), pagetypeinfo names. */
public enum MigrateType {
    UNMOVABLE("Unmovable"), MOVABLE("Movable"), RECLAIMABLE("Reclaimable"),
    HIGHATOMIC("HighAtomic"), CMA("CMA"), ISOLATE("Isolate");

    /** The types that have free lists in pagetypeinfo's first table. */
    public static final int MIGRATE_TYPES = values().length;
    /** Types below this index are allocatable "PCP" types. */
    public static final int MIGRATE_PCPTYPES = 3;

    private final String kernelName;

    MigrateType(String kernelName) {
        this.kernelName = kernelName;
    }

    public String kernelName() {
        return kernelName;
    }

    /** {@code gfp_migratetype()}: MOVABLE and RECLAIMABLE bits select the type. */
    public static MigrateType of(int gfp) {
        if ((gfp & Gfp.__GFP_MOVABLE) != 0) {
            return MOVABLE;
        }
        if ((gfp & Gfp.__GFP_RECLAIMABLE) != 0) {
            return RECLAIMABLE;
        }
        return UNMOVABLE;
    }
}
