package org.dmasim.api.platform;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.file.Path;
import java.util.Collections;
import java.util.Dictionary;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

/** The typed writer of a platform configuration: typed arguments in, the documented keys out. */
class PlatformConfigTest {
    @Test
    void everySettingLandsUnderItsKey() {
        Dictionary<String, Object> p = PlatformConfig.named("board").profile("qemu-virt-arm64").arch(Arch.X86_64)
            .dtb(Path.of("b.dts")).e820(Path.of("m.e820")).mem("2G@0x40000000").cmdline("cma=128M")
            .kconfig("CMA_SIZE_MBYTES", "32").kconfig("CMA_AREAS", "7").cpus(4).backend("dmapool", "6.4")
            .kernelBase("0x1000000").dtbBase("auto").dtbSize("qemu-dtb").toProperties();
        assertEquals("board", p.get(PlatformConfig.NAME));
        assertEquals("qemu-virt-arm64", p.get(PlatformConfig.PROFILE));
        assertEquals("x86_64", p.get(PlatformConfig.ARCH));
        assertEquals("b.dts", p.get(PlatformConfig.DTB));
        assertEquals("m.e820", p.get(PlatformConfig.E820));
        assertEquals("2G@0x40000000", p.get(PlatformConfig.MEM));
        assertEquals("cma=128M", p.get(PlatformConfig.CMDLINE));
        assertArrayEquals(new String[] {"CMA_SIZE_MBYTES=32", "CMA_AREAS=7"}, (String[]) p.get(PlatformConfig.KCONFIG));
        assertEquals(4, p.get(PlatformConfig.CPUS));
        assertArrayEquals(new String[] {"dmapool=6.4"}, (String[]) p.get(PlatformConfig.BACKEND));
        assertEquals("0x1000000", p.get(PlatformConfig.KERNEL_BASE));
        assertEquals("auto", p.get(PlatformConfig.DTB_BASE));
        assertEquals("qemu-dtb", p.get(PlatformConfig.DTB_SIZE));
    }

    @Test
    void unsetKeysStayAbsentSoTheProfileDecides() {
        Dictionary<String, Object> p = PlatformConfig.named("x").toProperties();
        assertEquals(Set.of(PlatformConfig.NAME), new TreeSet<>(Collections.list(p.keys())));
        assertNull(p.get(PlatformConfig.KCONFIG));
    }

    @Test
    void aPlatformNeedsAName() {
        assertThrows(IllegalArgumentException.class, () -> PlatformConfig.named(" "));
        assertThrows(NullPointerException.class, () -> PlatformConfig.named("x").cmdline(null));
    }
}
