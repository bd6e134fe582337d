package org.dmasim.api.backend;

import java.util.concurrent.atomic.AtomicLong;

/**
 * The state machine every backend instance follows, and its holding count, in one atomic word.
 *
 * <pre>
 *            retire()                 last unhold()
 *   ACTIVE ------------&gt; DRAINING ------------------&gt; RELEASED
 *      |                    |                            ^
 *      +--------------------+---- forceOut() ------------+
 * </pre>
 *
 * <p>Layout of {@code word}: bits 0-1 the state's ordinal, bits 2-63 the holdings. A holding
 * is only taken while ACTIVE ({@link #tryHold}, a compare-and-set loop), so a retired instance
 * never gains work; the release action runs exactly once, on the thread whose transition reached
 * RELEASED (the last {@link #unhold} of a draining instance, {@link #retire} of an idle one, or
 * {@link #forceOut}). Holdings revoked by a force-out are not counted back: their owners'
 * {@link #unhold} after it changes nothing.
 */
public final class BackendLifecycle implements BackendInstance {
    private static final long STATE_MASK = 3;
    private static final long ONE = 4;
    private static final BackendState[] STATES = BackendState.values();

    private final String kind;
    private final String id;
    private final String description;
    private final Runnable release;
    private final AtomicLong word = new AtomicLong(BackendState.ACTIVE.ordinal());
    private volatile boolean forcedOut;

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
        return STATES[(int) (word.get() & STATE_MASK)];
    }

    @Override
    public long held() {
        return word.get() >>> 2;
    }

    @Override
    public boolean forcedOut() {
        return forcedOut;
    }

    @Override
    public boolean tryHold() {
        while (true) {
            long w = word.get();
            if ((w & STATE_MASK) != BackendState.ACTIVE.ordinal()) {
                return false;
            }
            if (word.compareAndSet(w, w + ONE)) {
                return true;
            }
        }
    }

    @Override
    public void unhold() {
        while (true) {
            long w = word.get();
            long state = w & STATE_MASK;
            if (state == BackendState.RELEASED.ordinal()) {
                return; // revoked by a force-out: nothing to give back
            }
            if (w < ONE) {
                throw new IllegalStateException(id + ": unhold without a holding (holdings are counted by tryHold)");
            }
            long next = w - ONE;
            boolean last = state == BackendState.DRAINING.ordinal() && next >>> 2 == 0;
            if (last) {
                next = BackendState.RELEASED.ordinal();
            }
            if (word.compareAndSet(w, next)) {
                if (last) {
                    release.run();
                }
                return;
            }
        }
    }

    /**
     * Takes the instance out of service: ACTIVE → DRAINING, or straight to RELEASED when nothing is
     * held. Does nothing to an instance that is already draining or released.
     *
     * @return whether this call released it
     */
    public boolean retire() {
        while (true) {
            long w = word.get();
            if ((w & STATE_MASK) != BackendState.ACTIVE.ordinal()) {
                return false;
            }
            boolean idle = w >>> 2 == 0;
            long next = idle ? BackendState.RELEASED.ordinal() : (w & ~STATE_MASK) | BackendState.DRAINING.ordinal();
            if (word.compareAndSet(w, next)) {
                if (idle) {
                    release.run();
                }
                return idle;
            }
        }
    }

    /**
     * Releases the instance now, whatever it holds. The caller has revoked every holding first
     * (copied bounce data back, marked the mappings revoked, reported them).
     *
     * @return the holdings that were still live, or -1 when the instance was already released
     */
    public long forceOut() {
        while (true) {
            long w = word.get();
            if ((w & STATE_MASK) == BackendState.RELEASED.ordinal()) {
                return -1;
            }
            if (word.compareAndSet(w, BackendState.RELEASED.ordinal())) {
                long live = w >>> 2;
                forcedOut = live > 0;
                release.run();
                return live;
            }
        }
    }

    @Override
    public String toString() {
        return id + " (" + state() + ", " + held() + " held)";
    }
}
