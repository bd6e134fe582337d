package org.dmasim.shell;

import java.lang.reflect.Proxy;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import org.dmasim.api.mm.PageAllocator;
import org.dmasim.api.platform.BootLog;
import org.dmasim.api.platform.Platform;
import org.dmasim.api.platform.PlatformSpec;

/** A platform for formatter and command tests: fixed state, log and /proc texts. */
public final class StubPlatform implements Platform {
    private final String name;
    private final State state;
    private final String failure;
    private final BootLog log = new BootLog();
    private PageAllocator allocator;
    private final Map<Class<?>, Object> facilities = new HashMap<>();
    private PlatformSpec spec;

    public StubPlatform(String name, State state, String failure) {
        this.name = name;
        this.state = state;
        this.failure = failure;
    }

    /** Gives the platform a page allocator whose /proc views say which view and platform. */
    public StubPlatform withAllocator() {
        allocator = (PageAllocator) Proxy.newProxyInstance(getClass().getClassLoader(),
            new Class<?>[] {PageAllocator.class},
            (proxy, method, args) -> switch (method.getName()) {
                case "buddyinfo", "zoneinfo", "pagetypeinfo" -> method.getName() + " of " + name + "\n";
                case "toString" -> "allocator of " + name;
                default -> throw new UnsupportedOperationException(method.getName());
            });
        return this;
    }

    /** Gives the platform a run-time facility that {@link #lookup} finds. */
    public <T> StubPlatform with(Class<T> type, T facility) {
        facilities.put(type, facility);
        return this;
    }

    /** Gives the platform a spec (without one, {@link #spec} throws, as for a platform that failed early). */
    public StubPlatform withSpec(PlatformSpec s) {
        spec = s;
        return this;
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public State state() {
        return state;
    }

    @Override
    public Optional<String> failure() {
        return Optional.ofNullable(failure);
    }

    /** No spec unless given one: the DTOs must cope with a platform that failed before building one. */
    @Override
    public PlatformSpec spec() {
        if (spec != null) {
            return spec;
        }
        throw new IllegalStateException("no spec");
    }

    @Override
    public BootLog bootLog() {
        return log;
    }

    @Override
    public <T> Optional<T> lookup(Class<T> type) {
        if (type == PageAllocator.class && allocator != null) {
            return Optional.of(type.cast(allocator));
        }
        return Optional.ofNullable(type.cast(facilities.get(type)));
    }
}
