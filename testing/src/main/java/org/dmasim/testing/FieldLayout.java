package org.dmasim.testing;

import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * Where the running JVM put the instance fields of a class (its superclasses' included), for
 * tests of the classes padded against false sharing: two simulated CPUs that write such an
 * object's words must find no other object's words on the same host cache line, so the words
 * must lie at least a given distance from the object's start (its header, and whatever the
 * collector placed before it) and from its end.
 *
 * <p>Reads the offsets and the size of a reference through {@code sun.misc.Unsafe}, found by
 * reflection (tests run on the class path, where {@code jdk.unsupported} is readable).
 */
public final class FieldLayout {
    /** One field: its name, its offset from the object's start and its size in bytes. */
    public record Slot(String name, long offset, int size) {
        long end() {
            return offset + size;
        }
    }

    private final List<Slot> slots;

    private FieldLayout(List<Slot> slots) {
        this.slots = slots;
    }

    /** The instance fields of {@code type} and its superclasses, as this JVM lays them out. */
    public static FieldLayout of(Class<?> type) {
        Object unsafe;
        java.lang.reflect.Method offsetOf;
        int referenceBytes;
        try {
            Class<?> u = Class.forName("sun.misc.Unsafe");
            Field the = u.getDeclaredField("theUnsafe");
            the.setAccessible(true);
            unsafe = the.get(null);
            offsetOf = u.getMethod("objectFieldOffset", Field.class);
            // 4 with compressed references (the default below 32 GiB of heap), else 8.
            referenceBytes = (int) u.getMethod("arrayIndexScale", Class.class).invoke(unsafe, Object[].class);
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException("this JVM does not tell field offsets", e);
        }
        List<Slot> out = new ArrayList<>();
        for (Class<?> c = type; c != null && c != Object.class; c = c.getSuperclass()) {
            for (Field f : c.getDeclaredFields()) {
                if (Modifier.isStatic(f.getModifiers())) {
                    continue;
                }
                try {
                    long offset = (long) offsetOf.invoke(unsafe, f);
                    out.add(new Slot(f.getName(), offset, sizeOf(f.getType(), referenceBytes)));
                } catch (ReflectiveOperationException e) {
                    throw new IllegalStateException("offset of " + f, e);
                }
            }
        }
        return new FieldLayout(List.copyOf(out));
    }

    private static int sizeOf(Class<?> t, int referenceBytes) {
        if (t == long.class || t == double.class) {
            return 8;
        }
        if (t == int.class || t == float.class) {
            return 4;
        }
        if (t == short.class || t == char.class) {
            return 2;
        }
        if (t == byte.class || t == boolean.class) {
            return 1;
        }
        return referenceBytes;
    }

    /** Every field. */
    public List<Slot> slots() {
        return slots;
    }

    /** Bytes from the object's start (offset 0, the header) to the first of {@code names}. */
    public long gapBefore(Set<String> names) {
        return chosen(names).stream().mapToLong(Slot::offset).min().orElseThrow();
    }

    /** Bytes from the end of the last of {@code names} to the end of the object's last field. */
    public long gapAfter(Set<String> names) {
        long end = slots.stream().mapToLong(Slot::end).max().orElseThrow();
        return end - chosen(names).stream().mapToLong(Slot::end).max().orElseThrow();
    }

    private List<Slot> chosen(Set<String> names) {
        List<Slot> c = slots.stream().filter(s -> names.contains(s.name())).toList();
        if (c.size() != names.size()) {
            throw new IllegalArgumentException("fields " + names + " not all found in " + slots);
        }
        return c;
    }
}
