package org.dmasim.iommu.pgtable;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * One table page of an io-pgtable as the CPU side reaches it: its descriptors (the very array
 * {@link DescriptorPages} holds for the page, which the SMMU walks) and, for levels that hold
 * table descriptors, the tables those descriptors point at. The kernel turns a table
 * descriptor's address into a pointer with {@code __va}; this shadow array is that step without
 * a hash look-up per level.
 *
 * <p>Invariant: {@code next[i] != null} exactly when {@code ptes[i]} is (or, while an install
 * is in flight, is about to become) a table descriptor pointing at {@code next[i].pa}. A table
 * is installed by winning the compare-and-swap of its {@code next} slot, after which its
 * descriptor is written; a caller that loses uses the winner's table, as the kernel's loser of
 * the {@code cmpxchg} does.
 */
final class IoTable {
    private static final VarHandle NEXT = MethodHandles.arrayElementVarHandle(IoTable[].class);

    final long pa;
    final long[] ptes;
    /** Null at the last level, which holds only pages. */
    final IoTable[] next;
    /** The first IOVA the table translates. */
    final long base;
    /** Set before the page goes back: a cached reference to a freed table is not followed. */
    volatile boolean freed;

    IoTable(long pa, long[] ptes, boolean holdsTables, long base) {
        this.pa = pa;
        this.ptes = ptes;
        this.next = holdsTables ? new IoTable[ptes.length] : null;
        this.base = base;
    }

    /** Claims slot {@code i} for {@code t}; false when another table got there first. */
    boolean claim(int i, IoTable t) {
        return NEXT.compareAndSet(next, i, null, t);
    }

    /** The table slot {@code i} holds, as the claiming thread published it. */
    IoTable child(int i) {
        return (IoTable) NEXT.getAcquire(next, i);
    }
}
