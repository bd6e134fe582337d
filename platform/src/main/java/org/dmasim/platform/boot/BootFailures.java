package org.dmasim.platform.boot;

import java.util.regex.Pattern;
import org.dmasim.api.platform.PlatformSpec;

/**
 * The one-line text for a boot that stopped on something other than an
 * {@code InvalidInputException}: a defect in a model, met by some input. The user still sees
 * which input and which step, never a Java class name or a stack trace; tests see the
 * {@link BootResult#unexpected() throwable} and fail.
 */
public final class BootFailures {
    /** A package-qualified Java name ({@code org.dmasim.Foo}, {@code java.lang.String}). */
    private static final Pattern JAVA_NAME = Pattern.compile("\\b[a-z][a-z0-9_]*(\\.[a-z][a-z0-9_]*)+\\.[A-Z]\\w*");

    private BootFailures() {
    }

    /** {@code <platform> (<its inputs>): <step> stopped: <what>}. */
    public static String describe(PlatformSpec spec, String step, Throwable t) {
        return inputs(spec) + ": " + step + " stopped: " + what(t);
    }

    /** The platform and the inputs it was booted from, as a user would name them. */
    static String inputs(PlatformSpec spec) {
        StringBuilder s = new StringBuilder(spec.name()).append(" (");
        spec.deviceTree().ifPresent(dt -> s.append(dt.source()).append(", "));
        if (!spec.e820().isEmpty()) {
            s.append(spec.e820().size()).append("-entry e820 map, ");
        }
        s.append("command line \"").append(spec.cmdline().raw()).append("\")");
        return s.toString();
    }

    /** What went wrong, in words; a message is shown only when it is one written for people. */
    public static String what(Throwable t) {
        if (t instanceof StackOverflowError) {
            return "the input nests deeper than dmasim can follow";
        }
        if (t instanceof OutOfMemoryError) {
            return "the input needs more memory than the Java heap has";
        }
        String m = t.getMessage();
        boolean forPeople = (t instanceof IllegalArgumentException || t instanceof IllegalStateException)
            && m != null && !m.isBlank() && !JAVA_NAME.matcher(m).find();
        return (forPeople ? m : "a condition dmasim does not model")
            + " (a dmasim defect: please report it with this input)";
    }
}
