package org.dmasim.platform.component;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.util.Arrays;
import java.util.Collection;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import org.dmasim.api.platform.InvalidInputException;
import org.dmasim.api.platform.PlatformConfig;
import org.dmasim.api.platform.PlatformSpec;
import org.dmasim.platform.profile.SpecBuilder;
import org.junit.jupiter.api.Test;

/**
 * A platform's configuration read through its typed definition: only the keys it holds reach
 * the profile loader, values arrive converted, backend.* keys come from the raw properties, and
 * a value of the wrong type is refused naming the key.
 */
class PlatformSettingsTest {
    /** The typed view a DS runtime gives the component: keys from member names, values converted or refused. */
    static PlatformConfiguration typed(Map<String, Object> raw) {
        return (PlatformConfiguration) Proxy.newProxyInstance(PlatformSettingsTest.class.getClassLoader(),
            new Class<?>[] {PlatformConfiguration.class}, (proxy, m, args) -> convert(m, raw.get(m.getName().replace('_', '.'))));
    }

    private static Object convert(Method m, Object v) {
        Class<?> t = m.getReturnType();
        if (t == int.class) {
            return v == null ? 0 : v instanceof Number n ? n.intValue() : Integer.valueOf(v.toString().strip());
        }
        if (t == String[].class) {
            return v == null ? null : v instanceof String[] a ? a
                : v instanceof Collection<?> c ? c.stream().map(Object::toString).toArray(String[]::new) : new String[] {v.toString()};
        }
        return v == null ? null : v instanceof String[] a ? a[0] : v.toString();
    }

    private static Map<String, Object> read(Map<String, Object> raw) {
        return PlatformSettings.read(typed(raw), raw);
    }

    @Test
    void theDefinitionListsExactlyTheConfigurationKeys() {
        Set<String> attributes = Arrays.stream(PlatformConfiguration.class.getDeclaredMethods())
            .map(m -> m.getName().replace('_', '.')).collect(Collectors.toCollection(TreeSet::new));
        // Every key constant of PlatformConfig but the factory PID and the backend.SUBSYSTEM prefix.
        Set<String> keys = new TreeSet<>();
        for (java.lang.reflect.Field f : PlatformConfig.class.getFields()) {
            if (java.lang.reflect.Modifier.isStatic(f.getModifiers()) && f.getType() == String.class
                && !f.getName().equals("FACTORY_PID") && !f.getName().equals("BACKEND_PREFIX")) {
                keys.add((String) assertDoesNotThrow(() -> f.get(null)));
            }
        }
        assertTrue(keys.containsAll(Set.of(PlatformConfig.NAME, PlatformConfig.CPUS, PlatformConfig.KERNEL_BASE)), keys::toString);
        assertEquals(keys, attributes);
    }

    @Test
    void onlyKeysTheConfigurationHoldsArePassedOn() {
        Map<String, Object> raw = new HashMap<>(Map.of("name", "b", "cmdline", "cma=16M", "kconfig", "CMA_AREAS=7",
            "cpus", "4", "service.pid", "org.dmasim.platform~b"));
        Map<String, Object> in = read(raw);
        assertEquals(Set.of("name", "cmdline", "kconfig", "cpus"), in.keySet());
        assertArrayEquals(new String[] {"CMA_AREAS=7"}, (String[]) in.get("kconfig"));
        assertEquals(4, in.get("cpus"));
        PlatformSpec spec = SpecBuilder.build(in);
        assertEquals("b", spec.name());
        assertEquals(4, spec.possibleCpus());
        assertEquals(7, spec.kconfig().number("CMA_AREAS"));
    }

    @Test
    void withoutANameThePlatformIsNamedAfterItsPid() {
        Map<String, Object> raw = Map.of("service.pid", "org.dmasim.platform~lab");
        assertEquals("org.dmasim.platform~lab", read(raw).get("name"));
    }

    @Test
    void backendKeysComeFromTheRawProperties() {
        Map<String, Object> raw = Map.of("name", "b", "backend.dmapool", "6.4", "backend", new String[] {"x=y"});
        Map<String, Object> in = read(raw);
        assertEquals("6.4", in.get("backend.dmapool"));
        assertArrayEquals(new String[] {"x=y"}, (String[]) in.get("backend"));
        assertEquals("6.4", SpecBuilder.build(Map.of("backend.dmapool", "6.4")).options().get("dmapool"));
    }

    @Test
    void aValueOfTheWrongTypeIsRefusedNamingTheKey() {
        InvalidInputException e = assertThrows(InvalidInputException.class,
            () -> read(Map.of("name", "b", "cpus", "four")));
        assertEquals("platform configuration: cpus = 'four': not an integer", e.getMessage());
        assertFalse(read(Map.of("name", "b", "cpus", 0)).isEmpty(), "0 reaches the profile loader, which refuses it");
        assertThrows(InvalidInputException.class, () -> SpecBuilder.build(read(Map.of("name", "b", "cpus", 0))));
    }
}
