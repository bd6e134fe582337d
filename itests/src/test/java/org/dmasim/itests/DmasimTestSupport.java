package org.dmasim.itests;

import static org.junit.Assert.fail;
import static org.ops4j.pax.exam.CoreOptions.options;

import java.io.IOException;
import java.time.Duration;
import java.util.Dictionary;
import java.util.Hashtable;
import java.util.Map;
import java.util.function.Predicate;
import javax.inject.Inject;
import org.dmasim.api.backend.BackendInstance;
import org.dmasim.api.backend.BackendInstances;
import org.dmasim.api.backend.BackendState;
import org.dmasim.api.platform.Platform;
import org.dmasim.api.platform.PlatformConfig;
import org.ops4j.pax.exam.Configuration;
import org.ops4j.pax.exam.Option;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.InvalidSyntaxException;
import org.osgi.framework.ServiceReference;
import org.osgi.service.cm.ConfigurationAdmin;

/**
 * Base class for dmasim's in-container tests; extend it for your own. The framework gets the
 * runtime and every dmasim bundle ({@link DmasimOptions#dmasim()}); override {@link #config()}
 * to add options. Annotate the test class with
 * {@code @RunWith(PaxExam.class) @ExamReactorStrategy(PerClass.class)}: one framework per test
 * class, shared by its test methods, so each test creates platforms under names of its own.
 *
 * <p>The helpers wait by polling the service registry every 20 ms up to a deadline: a platform
 * boots in the background after its configuration changes.
 */
public abstract class DmasimTestSupport {
    /** How long a platform may take to reach a state before a test fails. */
    protected static final Duration TIMEOUT = Duration.ofSeconds(30);

    @Inject
    protected BundleContext context;

    @Inject
    protected ConfigurationAdmin configAdmin;

    @Configuration
    public Option[] config() {
        return options(DmasimOptions.dmasim());
    }

    /**
     * Creates (or replaces) the platform {@code name}: the factory configuration
     * {@code org.dmasim.platform~name} with {@code name} and the given keys
     * ({@link PlatformConfig}).
     */
    protected org.osgi.service.cm.Configuration createPlatform(String name, Map<String, Object> keys)
        throws IOException {
        org.osgi.service.cm.Configuration config =
            configAdmin.getFactoryConfiguration(PlatformConfig.FACTORY_PID, name, "?");
        Dictionary<String, Object> props = new Hashtable<>(keys);
        props.put(PlatformConfig.NAME, name);
        config.update(props);
        return config;
    }

    /** Waits until platform {@code name} is in {@code state}, and returns its service reference. */
    protected ServiceReference<Platform> awaitState(String name, Platform.State state) throws InterruptedException {
        return await(name, "is " + state, p -> p.state() == state);
    }

    /**
     * Waits until the platform service named {@code name} satisfies {@code condition}, and
     * returns its service reference.
     *
     * @param what the condition in words, for the failure message
     */
    protected ServiceReference<Platform> await(String name, String what, Predicate<Platform> condition)
        throws InterruptedException {
        long deadline = System.nanoTime() + TIMEOUT.toNanos();
        String last = "no Platform service";
        while (System.nanoTime() < deadline) {
            ServiceReference<Platform> ref = platformReference(name);
            if (ref != null) {
                Platform p = context.getService(ref);
                try {
                    if (p != null) {
                        if (condition.test(p)) {
                            return ref;
                        }
                        last = p.state() + p.failure().map(f -> " (" + f + ")").orElse("");
                    }
                } finally {
                    context.ungetService(ref);
                }
            }
            Thread.sleep(20);
        }
        fail("platform '" + name + "' " + what + ": not within " + TIMEOUT.toSeconds() + " s; last seen: " + last);
        throw new AssertionError(); // not reached
    }

    /** The service of platform {@code name}, or null. */
    protected ServiceReference<Platform> platformReference(String name) {
        try {
            var refs = context.getServiceReferences(Platform.class, "(" + Platform.PLATFORM_PROPERTY + "=" + name + ")");
            return refs.isEmpty() ? null : refs.iterator().next();
        } catch (InvalidSyntaxException e) {
            throw new IllegalArgumentException("platform name '" + name + "' is not usable in a filter", e);
        }
    }

    /** Calls {@code action} with the platform service of {@code reference}. */
    protected <T> T withPlatform(ServiceReference<Platform> reference, java.util.function.Function<Platform, T> action) {
        Platform p = context.getService(reference);
        if (p == null) {
            fail("platform service " + reference + " went away");
        }
        try {
            return action.apply(p);
        } finally {
            context.ungetService(reference);
        }
    }

    /** The installed bundle {@code symbolicName}. */
    protected Bundle bundle(String symbolicName) {
        for (Bundle b : context.getBundles()) {
            if (symbolicName.equals(b.getSymbolicName())) {
                return b;
            }
        }
        fail("bundle " + symbolicName + " is not installed");
        throw new AssertionError(); // not reached
    }

    /** The backend instances of platform {@code platform}: its {@link BackendInstances} service. */
    protected BackendInstances backendInstances(String platform) throws InterruptedException {
        return context.getService(service(BackendInstances.class, platform));
    }

    /** Waits for a service of {@code type} with {@code dmasim.platform=platform}, and returns its reference. */
    protected <T> ServiceReference<T> service(Class<T> type, String platform) throws InterruptedException {
        long deadline = System.nanoTime() + TIMEOUT.toNanos();
        while (System.nanoTime() < deadline) {
            try {
                var refs = context.getServiceReferences(type, "(" + Platform.PLATFORM_PROPERTY + "=" + platform + ")");
                if (!refs.isEmpty()) {
                    return refs.iterator().next();
                }
            } catch (InvalidSyntaxException e) {
                throw new IllegalArgumentException(e);
            }
            Thread.sleep(20);
        }
        throw new AssertionError("no " + type.getSimpleName() + " service of platform " + platform);
    }

    /** Waits until backend instance {@code id} is in {@code state}. */
    protected static void awaitInstance(BackendInstances instances, String id, BackendState state)
        throws InterruptedException {
        long deadline = System.nanoTime() + TIMEOUT.toNanos();
        while (instances.instance(id).orElseThrow().state() != state) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError(id + " did not become " + state + ": " + instances.instances());
            }
            Thread.sleep(20);
        }
    }

    /** Waits until some instance of backend {@code kind} is ACTIVE, and returns its id. */
    protected static String awaitActive(BackendInstances instances, String kind) throws InterruptedException {
        return awaitActive(instances, kind, null);
    }

    /**
     * Waits until an instance of backend {@code kind} other than {@code replaced} (null: any) is
     * ACTIVE, and returns its id.
     */
    protected static String awaitActive(BackendInstances instances, String kind, String replaced)
        throws InterruptedException {
        long deadline = System.nanoTime() + TIMEOUT.toNanos();
        while (true) {
            String id = instances.active(kind).map(BackendInstance::id).orElse(null);
            if (id != null && !id.equals(replaced)) {
                return id;
            }
            if (System.nanoTime() > deadline) {
                throw new AssertionError("no active " + kind + (replaced == null ? "" : " other than " + replaced)
                    + ": " + instances.instances());
            }
            Thread.sleep(20);
        }
    }
}
