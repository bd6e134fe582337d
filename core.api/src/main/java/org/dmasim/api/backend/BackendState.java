package org.dmasim.api.backend;

/** Where a backend instance is in its life. */
public enum BackendState {
    /** Serves new work: new mappings, allocations and pools go to it. */
    ACTIVE,
    /** Replaced or stopped: takes no new work, serves the unmaps, syncs and frees of what it holds. */
    DRAINING,
    /** Holds nothing any more (or was forced out): its memory went back where it came from. */
    RELEASED
}
