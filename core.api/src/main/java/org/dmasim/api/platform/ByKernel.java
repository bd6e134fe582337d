package org.dmasim.api.platform;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;

/**
 * A subsystem's rules for each kernel it models, looked up by the platform's kernel: how every
 * version-dependent part of dmasim keeps "one object per version" (an arch backend's zone rules,
 * mm's GFP table, ...). Adding a kernel to a subsystem is adding its entry.
 *
 * @param <T> the subsystem's rules type
 */
public final class ByKernel<T> {
    private final String subsystem;
    private final Map<KernelVersion, T> rules;

    private ByKernel(String subsystem, Map<KernelVersion, T> rules) {
        this.subsystem = subsystem;
        this.rules = Collections.unmodifiableMap(rules);
    }

    /**
     * The rules of {@code subsystem}, by kernel version as written ({@code "6.12"}).
     *
     * @param subsystem what the refusal of an unmodelled kernel names, e.g. {@code arch.arm64}
     */
    public static <T> ByKernel<T> of(String subsystem, Map<String, T> byVersion) {
        Map<KernelVersion, T> rules = new LinkedHashMap<>();
        byVersion.forEach((v, r) -> rules.put(KernelVersion.parse(v), r));
        return new ByKernel<>(subsystem, rules);
    }

    /**
     * The rules of {@code kernel}.
     *
     * @throws InvalidInputException when the subsystem does not model that kernel, naming the ones it does
     */
    public T get(KernelVersion kernel) {
        T r = rules.get(kernel);
        if (r == null) {
            throw new InvalidInputException("kernel " + kernel + ": " + subsystem + " models " + kernels().stream()
                .map(KernelVersion::toString).collect(Collectors.joining(", ")) + " only");
        }
        return r;
    }

    /** The kernels with rules, oldest first ({@link org.dmasim.api.boot.BootParticipant#kernels()}). */
    public Set<KernelVersion> kernels() {
        return Collections.unmodifiableSet(new TreeSet<>(rules.keySet()));
    }
}
