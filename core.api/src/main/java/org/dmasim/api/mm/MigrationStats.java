package org.dmasim.api.mm;

/**
 * What page migration has cost so far on one allocator: blocks moved, pages and bytes copied,
 * attempts that failed (the range stayed busy), and the wall time spent moving.
 */
public record MigrationStats(long blocksMigrated, long pagesMigrated, long bytesCopied, long failures,
    long nanos) {
}
