package org.dmasim.api.backend;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.dmasim.api.platform.PlatformSpec;

/**
 * The one declaration of which backends a platform needs: the profile key {@value #PROFILE_KEY}
 * (set in the shipped base profile every profile inherits, overridable per profile or platform
 * configuration), carried into {@link PlatformSpec#options()} under {@value #OPTION}. The
 * orchestrator waits for exactly these, besides the backend of the platform's architecture,
 * which the profile's {@code arch} key already names.
 */
public final class Backends {
    /** Profile (and platform configuration) key: backend names, comma separated. */
    public static final String PROFILE_KEY = "backends";
    /** Key in {@link PlatformSpec#options()}; never a subsystem with a backend choice. */
    public static final String OPTION = "backends";
    /** Service property naming the backend instance that serves a run-time service ({@code swiotlb#2}). */
    public static final String INSTANCE_PROPERTY = "dmasim.instance";

    private Backends() {
    }

    /** The backends {@code spec} needs, in declaration order; empty for a spec made without a profile. */
    public static Optional<List<String>> required(PlatformSpec spec) {
        String v = spec.options().get(OPTION);
        return v == null ? Optional.empty() : Optional.of(parse(v));
    }

    /** Splits a {@value #PROFILE_KEY} value: names separated by commas and/or blanks. */
    public static List<String> parse(String value) {
        List<String> out = new ArrayList<>();
        for (String n : value.split("[,\\s]+")) {
            if (!n.isEmpty() && !out.contains(n)) {
                out.add(n);
            }
        }
        return out;
    }
}
