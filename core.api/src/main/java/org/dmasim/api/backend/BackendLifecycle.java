package org.dmasim.api.backend;

import java.util.Arrays;
import java.util.Optional;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * The state machine every backend instance follows, and its holding count, kept in stripes so
 * that mappings made by different threads at once rarely write the same cache line.
 *
 * <pre>
 *            retire()                 last unhold()
 *   ACTIVE ------------&gt; DRAINING ------------------&gt; RELEASED
 *      |                    |                            ^
 *      +--------------------+---- forceOut() ------------+
 * </pre>
 *
 * <p><b>Layout.</b> {@code state}, a volatile int written three times in the instance's life and
 * read by every call; and {@code cells}, one padded 128-byte cell per stripe (the calling
 * thread's id modulo {@value #STRIPES}: a field load, where the thread's simulated CPU would be a
 * thread-local look-up, twice per mapping and instance; which cell counts a holding changes
 * nothing but speed), each holding two counters that only grow: the holdings taken in that stripe
 * and the holdings given back in it. A holding may be given back by another thread than the one
 * that took it (an unmap on another queue), so one cell's difference means nothing; the holdings live are the sum of all takes less the sum of all
 * gives. This is the kernel's {@code percpu_ref} idea (per-CPU counts while live, an exact count
 * only once killed), without RCU: the drain below replaces the grace period.
 *
 * <p><b>Reading the count.</b> {@link #live} reads every cell's gives first, then every cell's
 * takes. Each counter only grows and no holding is given back before it was taken, so the gives
 * read are at most the gives at the moment {@code m} between the two passes and the takes read
 * at least the takes then: the result is an upper bound of the holdings live at {@code m}, exact
 * when nothing runs concurrently. Zero read therefore means nothing was live at {@code m}; a
 * negative result means more holdings were given back than taken at {@code m} (a caller's
 * defect, certain).
 *
 * <p><b>Taking</b> ({@link #tryHold}): read the state (not ACTIVE: refuse), count the take in
 * the caller's cell, read the state again. Still ACTIVE: the holding stands. Otherwise a retire or
 * force-out came in between: the take is undone by counting a give ({@link #unhold}'s path, which
 * may be the one that releases) and the call refuses, so no holding is ever granted once DRAINING
 * began. All these accesses are volatile (sequentially consistent): a take whose second read saw
 * ACTIVE precedes the write of DRAINING, so every count read after that write includes it.
 *
 * <p><b>Draining and the release</b>, exactly once: {@link #retire} writes DRAINING and then
 * reads the count; every {@link #unhold} counts its give and then, when it reads DRAINING, reads
 * the count. Whoever reads zero moves DRAINING to RELEASED with a compare-and-set, and only the
 * winner runs the release action. Safe: after DRAINING no take stands, so zero live at one moment
 * stays zero (an undone take adds and removes one, and never stands). Live: the last event that
 * changes the counters after DRAINING is a give (a holder's unhold or an undone take) or, when
 * nothing was held, the retire itself; its own read of the count starts after every change, reads
 * an exact zero and releases. An unhold that read ACTIVE after counting its give was counted
 * before DRAINING was written, so the retire's read sees it.
 *
 * <p><b>Children</b> ({@link #attachTo}): an instance may be part of another (an IOMMU domain of
 * its IOMMU). A child's holding also holds the parent, with one count in the child's cell
 * instead of one in each: the parent's count is its own cells plus its children's (all gives,
 * own and children's, read before all takes, so the bound above still holds for the sum); a
 * child takes nothing unless both it and the parent are ACTIVE (read again after counting, as
 * above); and every give of a child, once it is counted, checks a DRAINING parent exactly as the
 * parent's own gives do. A child leaves its parent's list when it is released: drained, it
 * counts nothing; forced out, what it still counted was revoked with it.
 *
 * <p><b>Force-out</b> ({@link #forceOut}) moves any state but RELEASED to RELEASED, then reads
 * what was live (exact when the holders are quiet, as the platform's force-out has them); gives
 * after RELEASED are counted and change nothing. A give without a take is caught when the
 * caller's own cell shows more gives than takes and the count of all cells is then negative: it
 * is undone (counted as a take, so the counters keep growing) and refused.
 */
public final class BackendLifecycle implements BackendInstance {
    /** Stripes: a power of two; threads whose ids are equal modulo it share a cell (correct, only slower). */
    static final int STRIPES = 16;
    /** Longs per cell: 128 bytes, so neither a cell's line nor its neighbour (adjacent-line prefetch) is shared. */
    private static final int CELL = 16;
    private static final int TAKEN = 0;
    private static final int GIVEN = 1;
    private static final int ACTIVE = 0;
    private static final int DRAINING = 1;
    private static final int RELEASED = 2;
    private static final BackendState[] STATES = BackendState.values();
    private static final VarHandle COUNTERS = MethodHandles.arrayElementVarHandle(long[].class);
    private static final VarHandle STATE;

    static {
        try {
            STATE = MethodHandles.lookup().findVarHandle(BackendLifecycle.class, "state", int.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private final String kind;
    private final String id;
    private final String description;
    private final Runnable release;
    /** Cell i at [(i + 1) * CELL, (i + 2) * CELL): a cell's worth of padding before the first and after the last. */
    private final long[] cells = new long[(STRIPES + 2) * CELL];
    private volatile int state = ACTIVE;
    private volatile boolean forcedOut;
    /** The instance this one is part of, set once before the first holding; or null. */
    private volatile BackendLifecycle parent;
    /** The instances part of this one and not yet released (copy on write). */
    private volatile BackendLifecycle[] children = new BackendLifecycle[0];

    /**
     * @param release what to do once nothing is held any more: give the instance's memory back
     *     (free the bounce pool's pages, the atomic pools' chunks); runs once, never while holding
     *     a lock of the caller's
     */
    public BackendLifecycle(String kind, String id, String description, Runnable release) {
        this.kind = kind;
        this.id = id;
        this.description = description;
        this.release = release;
    }

    @Override
    public String kind() {
        return kind;
    }

    @Override
    public String id() {
        return id;
    }

    @Override
    public String description() {
        return description;
    }

    @Override
    public BackendState state() {
        return STATES[state];
    }

    @Override
    public long held() {
        return state == RELEASED ? 0 : Math.max(0, live());
    }

    @Override
    public boolean forcedOut() {
        return forcedOut;
    }

    @Override
    public Optional<BackendInstance> parent() {
        return Optional.ofNullable(parent);
    }

    /**
     * Makes this instance part of {@code parent}: from now on each of its holdings, those it has
     * already included, also holds the parent ({@link BackendInstance#parent()}). Once, while this
     * instance is ACTIVE and the parent is not released.
     */
    public void attachTo(BackendLifecycle parent) {
        if (parent == this || this.parent != null || state != ACTIVE || parent.state == RELEASED) {
            throw new IllegalStateException(id + ": can be made part of " + parent.id + " only once, while it is"
                + " ACTIVE and " + parent.id + " is not released");
        }
        parent.addChild(this);
        this.parent = parent;
    }

    private synchronized void addChild(BackendLifecycle child) {
        BackendLifecycle[] now = children;
        BackendLifecycle[] next = Arrays.copyOf(now, now.length + 1);
        next[now.length] = child;
        children = next;
    }

    private synchronized void removeChild(BackendLifecycle child) {
        BackendLifecycle[] now = children;
        for (int i = 0; i < now.length; i++) {
            if (now[i] == child) {
                BackendLifecycle[] next = new BackendLifecycle[now.length - 1];
                System.arraycopy(now, 0, next, 0, i);
                System.arraycopy(now, i + 1, next, i, now.length - i - 1);
                children = next;
                return;
            }
        }
    }

    /** The calling thread's cell: the index of its first counter. */
    private static int cell() {
        return (stripe(Thread.currentThread()) + 1) * CELL;
    }

    /** The stripe whose cell counts what {@code thread} takes and gives. */
    static int stripe(Thread thread) {
        return (int) thread.getId() & (STRIPES - 1);
    }

    /**
     * Gives of all cells (this instance's and its children's), then takes of all cells: an upper
     * bound of the holdings live between the passes.
     */
    private long live() {
        BackendLifecycle[] kids = children;
        long given = sum(GIVEN);
        for (BackendLifecycle k : kids) {
            given += k.sum(GIVEN);
        }
        long taken = sum(TAKEN);
        for (BackendLifecycle k : kids) {
            taken += k.sum(TAKEN);
        }
        return taken - given;
    }

    /** {@link #live} of this instance's own cells (a give without a take shows here, whatever its children hold). */
    private long ownLive() {
        long given = sum(GIVEN);
        return sum(TAKEN) - given;
    }

    /** One counter summed over the cells. */
    private long sum(int counter) {
        long n = 0;
        for (int c = CELL; c < (STRIPES + 1) * CELL; c += CELL) {
            n += (long) COUNTERS.getVolatile(cells, c + counter);
        }
        return n;
    }

    @Override
    public boolean tryHold() {
        BackendLifecycle p = parent;
        if (state != ACTIVE || p != null && p.state != ACTIVE) {
            return false;
        }
        int c = cell();
        COUNTERS.getAndAdd(cells, c + TAKEN, 1L);
        if (state == ACTIVE && (p == null || p.state == ACTIVE)) {
            return true;
        }
        give(c); // this instance or its parent retired or was forced out meanwhile: the take never stood
        return false;
    }

    @Override
    public void unhold() {
        int c = cell();
        long given = (long) COUNTERS.getAndAdd(cells, c + GIVEN, 1L) + 1;
        int s = state;
        if (s == ACTIVE && given <= (long) COUNTERS.getVolatile(cells, c + TAKEN)) {
            parentGiven(); // the common case, kept small: an active instance, a give its cell covers
            return;
        }
        unholdChecked(c, given, s);
    }

    /** {@link #unhold} once its give is counted, when the instance is not ACTIVE or the cell shows more gives than takes. */
    private void unholdChecked(int c, long given, int s) {
        if (s == RELEASED) {
            parentGiven();
            return; // revoked by a force-out (or the drain's stray undone take): nothing to give back
        }
        if (given > (long) COUNTERS.getVolatile(cells, c + TAKEN) || s == DRAINING) {
            if (ownLive() < 0 && state != RELEASED) {
                COUNTERS.getAndAdd(cells, c + TAKEN, 1L); // undone: the counters only grow
                throw new IllegalStateException(id + ": unhold without a holding (holdings are counted by tryHold)");
            }
            if (s == DRAINING && live() == 0) {
                releaseOnce();
            }
        }
        parentGiven();
    }

    /** After a give of this child was counted: the parent's check of a drain, as for a give of its own. */
    private void parentGiven() {
        BackendLifecycle p = parent;
        if (p != null && p.state == DRAINING && p.live() == 0) {
            p.releaseOnce();
        }
    }

    /** A give that must not fail: an undone take. */
    private void give(int c) {
        COUNTERS.getAndAdd(cells, c + GIVEN, 1L);
        if (state == DRAINING && live() == 0) {
            releaseOnce();
        }
        parentGiven();
    }

    /** DRAINING → RELEASED and the release action, for the one caller whose compare-and-set wins. */
    private boolean releaseOnce() {
        if (STATE.compareAndSet(this, DRAINING, RELEASED)) {
            leaveParent();
            release.run();
            return true;
        }
        return false;
    }

    /** A released child no longer counts in its parent. */
    private void leaveParent() {
        BackendLifecycle p = parent;
        if (p != null) {
            p.removeChild(this);
        }
    }

    /**
     * Takes the instance out of service: ACTIVE → DRAINING, released at once when nothing is held.
     * Does nothing to an instance that is already draining or released.
     *
     * @return whether this call released it (false also when a give running alongside released it)
     */
    public boolean retire() {
        if (!STATE.compareAndSet(this, ACTIVE, DRAINING)) {
            return false;
        }
        return live() == 0 && releaseOnce();
    }

    /**
     * Releases the instance now, whatever it holds. The caller has revoked every holding first
     * (copied bounce data back, marked the mappings revoked, reported them).
     *
     * @return the holdings that were still live (exact when no holder runs alongside), or -1 when
     *     the instance was already released
     */
    public long forceOut() {
        while (true) {
            int s = state;
            if (s == RELEASED) {
                return -1;
            }
            if (STATE.compareAndSet(this, s, RELEASED)) {
                long live = Math.max(0, live());
                forcedOut = live > 0;
                leaveParent();
                release.run();
                parentGiven(); // what it held was revoked: a draining parent may be done
                return live;
            }
        }
    }

    @Override
    public String toString() {
        return id + " (" + state() + ", " + held() + " held)";
    }
}
