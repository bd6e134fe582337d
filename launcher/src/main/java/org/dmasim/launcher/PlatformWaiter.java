package org.dmasim.launcher;

import java.time.Duration;
import java.util.Optional;
import org.dmasim.api.platform.Platform;
import org.osgi.framework.BundleContext;
import org.osgi.framework.FrameworkUtil;
import org.osgi.framework.InvalidSyntaxException;
import org.osgi.framework.ServiceReference;
import org.osgi.util.tracker.ServiceTracker;

/**
 * Waits for the {@link Platform} service of one platform name to leave {@code WAITING}. The
 * platform registers its service as soon as its configuration arrives and re-registers or
 * modifies it as the state changes; every such event wakes the waiter, and it also re-reads
 * {@link Platform#state()} every 100 ms, so a state published late is still seen.
 *
 * <p>The waiter keeps the service it was told about itself: a {@link ServiceTracker} stores a
 * new service only after {@code addingService} returns, so a waiter woken from there and asking
 * the tracker would not see it yet and sleep out the 100 ms.
 */
final class PlatformWaiter implements AutoCloseable {
    private final Object lock = new Object();
    private final ServiceTracker<Platform, Platform> tracker;
    /** The platform's current service, or null; guarded by {@link #lock}. */
    private Platform current;

    PlatformWaiter(BundleContext context, String name) {
        String filter = "(&(objectClass=" + Platform.class.getName() + ")(" + Platform.PLATFORM_PROPERTY + "="
            + escape(name) + "))";
        try {
            tracker = new ServiceTracker<>(context, FrameworkUtil.createFilter(filter), null) {
                @Override
                public Platform addingService(ServiceReference<Platform> reference) {
                    Platform p;
                    try {
                        p = super.addingService(reference);
                    } catch (IllegalStateException e) {
                        // an event delivered while the framework stops this bundle: its context is
                        // invalid; Felix would print the exception as a dispatch error on stdout
                        return null;
                    }
                    synchronized (lock) {
                        current = p;
                        lock.notifyAll();
                    }
                    return p;
                }

                @Override
                public void modifiedService(ServiceReference<Platform> reference, Platform service) {
                    signal();
                }

                @Override
                public void removedService(ServiceReference<Platform> reference, Platform service) {
                    synchronized (lock) {
                        if (current == service) {
                            current = null;
                        }
                        lock.notifyAll();
                    }
                    try {
                        super.removedService(reference, service);
                    } catch (IllegalStateException e) {
                        // the context went invalid while the framework stops: nothing left to unget
                    }
                }
            };
        } catch (InvalidSyntaxException e) {
            throw new AssertionError("filter " + filter + " from escaped name", e);
        }
        tracker.open();
    }

    /**
     * The platform once it is BOOTED or FAILED; at the deadline whatever is registered then
     * (a WAITING platform) or empty when no service appeared at all.
     */
    Optional<Platform> await(Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        synchronized (lock) {
            while (true) {
                Platform p = current;
                if (p != null && p.state() != Platform.State.WAITING) {
                    return Optional.of(p);
                }
                long leftMillis = (deadline - System.nanoTime()) / 1_000_000;
                if (leftMillis <= 0) {
                    return Optional.ofNullable(p);
                }
                lock.wait(Math.min(leftMillis, 100));
            }
        }
    }

    /** Waits until no service of the platform is registered; false when one still is at the deadline. */
    boolean awaitGone(Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        synchronized (lock) {
            while (current != null) {
                long leftMillis = (deadline - System.nanoTime()) / 1_000_000;
                if (leftMillis <= 0) {
                    return false;
                }
                lock.wait(Math.min(leftMillis, 100));
            }
            return true;
        }
    }

    private void signal() {
        synchronized (lock) {
            lock.notifyAll();
        }
    }

    @Override
    public void close() {
        tracker.close();
    }

    /** RFC 1960 filter value escaping of {@code \ * ( )}. */
    static String escape(String value) {
        StringBuilder sb = new StringBuilder(value.length());
        for (char c : value.toCharArray()) {
            if (c == '\\' || c == '*' || c == '(' || c == ')') {
                sb.append('\\');
            }
            sb.append(c);
        }
        return sb.toString();
    }
}
