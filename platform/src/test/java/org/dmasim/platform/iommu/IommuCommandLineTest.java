package org.dmasim.platform.iommu;

import org.dmasim.api.platform.Kstrtobool;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.dmasim.api.iommu.DomainType;
import org.dmasim.api.iommu.IommuDefaults;
import org.dmasim.api.platform.LogLine;
import org.dmasim.platform.boot.BootResult;
import org.dmasim.platform.oracle.Platforms;
import org.junit.jupiter.api.Test;

/**
 * The IOMMU command-line parameters get Linux 6.1's reactions: accepted values decide the
 * default domain as iommu.c does, rejected ones print the kernel's message and change nothing,
 * and the VT-d driver reports what it does not know.
 */
class IommuCommandLineTest {
    static final IommuDefaults ARM64_DEFAULT = new IommuDefaults(DomainType.DMA, true, false, false);
    static final IommuDefaults X86_DEFAULT = new IommuDefaults(DomainType.DMA_FQ, false, false, false);

    private static BootResult arm64(String cmdline) {
        return boot(Map.of("cmdline", cmdline));
    }

    private static BootResult x86(String cmdline) {
        return boot(Map.of("arch", "x86_64", "cmdline", cmdline));
    }

    private static BootResult boot(Map<String, ?> config) {
        BootResult r = Platforms.boot(config);
        assertTrue(r.ok(), () -> r.failure().orElse(""));
        return r;
    }

    private static IommuDefaults defaults(BootResult r) {
        return r.lookup(IommuDefaults.class).orElseThrow();
    }

    private static List<String> kernel(BootResult r) {
        return r.log().kernelText();
    }

    @Test
    void kstrtoboolDecidesOnTheFirstCharactersOnly() {
        for (String yes : new String[] {"1", "y", "Y", "yes-please", "on", "ON", "oN", "true", "T", "tomato"}) {
            assertEquals(Optional.of(true), Kstrtobool.parse(yes), yes);
        }
        for (String no : new String[] {"0", "n", "N", "no", "off", "oFF", "false", "F"}) {
            assertEquals(Optional.of(false), Kstrtobool.parse(no), no);
        }
        for (String bad : new String[] {"2", "abc", "ztrue", "o", "ox", "", null}) {
            assertEquals(Optional.empty(), Kstrtobool.parse(bad), String.valueOf(bad));
        }
    }

    @Test
    void rejectedBooleansAreMalformedEarlyOptionsAndChangeNothing() {
        for (String cmdline : new String[] {"iommu.strict=2", "iommu.passthrough=abc", "iommu.passthrough",
            "iommu.strict="}) {
            BootResult r = arm64(cmdline);
            String name = cmdline.replaceAll("=.*", "");
            assertTrue(r.log().lines().contains(new LogLine(LogLine.Level.WARNING, "Malformed early option '" + name + "'")),
                cmdline + ": " + kernel(r));
            assertEquals(ARM64_DEFAULT, defaults(r), cmdline);
            assertTrue(kernel(r).contains("iommu: Default domain type: Translated "), cmdline);
        }
    }

    @Test
    void parametersAfterADoubleDashAreInitsNotTheKernels() {
        BootResult r = arm64("iommu.strict=0 -- iommu.strict=2 iommu.passthrough=1");
        assertFalse(kernel(r).stream().anyMatch(l -> l.startsWith("Malformed early option")), kernel(r).toString());
        assertEquals(new IommuDefaults(DomainType.DMA_FQ, false, false, true), defaults(r));
        assertFalse(kernel(x86("-- intel_iommu=strict")).stream().anyMatch(l -> l.startsWith("DMAR:")));
    }

    @Test
    void malformedOptionsArePrintedWhileEarlyParametersAreParsed() {
        List<String> l = kernel(arm64("iommu.strict=2"));
        assertTrue(l.indexOf("Malformed early option 'iommu.strict'") < l.indexOf("Zone ranges:"), l.toString());
    }

    @Test
    void acceptedValuesAreCommandLineChoicesAndTheLastOneWins() {
        assertEquals(new IommuDefaults(DomainType.DMA_FQ, false, false, true), defaults(arm64("iommu.strict=off")));
        assertEquals(new IommuDefaults(DomainType.DMA, true, false, true), defaults(arm64("iommu.strict=0 iommu.strict=y")));
        assertEquals(new IommuDefaults(DomainType.IDENTITY, true, true, false), defaults(arm64("iommu.passthrough=on")));
        assertEquals(new IommuDefaults(DomainType.DMA, true, true, false),
            defaults(arm64("iommu.passthrough=1 iommu.passthrough=0")));
        BootResult lazyTranslated = x86("iommu.passthrough=0");
        assertTrue(kernel(lazyTranslated).contains("iommu: Default domain type: Translated (set via kernel command line)"));
        assertTrue(kernel(lazyTranslated).contains("iommu: DMA domain TLB invalidation policy: lazy mode "));
    }

    @Test
    void kconfigChoosesTheTypeWhenTheCommandLineDoesNot() {
        BootResult r = boot(Map.of("kconfig", new String[] {"IOMMU_DEFAULT_DMA_STRICT=n", "IOMMU_DEFAULT_PASSTHROUGH=y"}));
        assertEquals(new IommuDefaults(DomainType.IDENTITY, false, false, false), defaults(r));
        assertTrue(kernel(r).contains("iommu: Default domain type: Passthrough "));
        BootResult translated = boot(Map.of("cmdline", "iommu.passthrough=0",
            "kconfig", new String[] {"IOMMU_DEFAULT_DMA_STRICT=n", "IOMMU_DEFAULT_PASSTHROUGH=y"}));
        assertEquals(new IommuDefaults(DomainType.DMA_FQ, false, true, false), defaults(translated),
            "with a passthrough Kconfig iommu_dma_strict starts false: translated means lazy");
    }

    @Test
    void aKconfigWithoutExactlyOneDefaultDomainTypeIsRefused() {
        BootResult two = Platforms.boot(Map.of("kconfig", "IOMMU_DEFAULT_DMA_LAZY=y"));
        assertFalse(two.ok());
        assertEquals("kconfig: IOMMU_DEFAULT_PASSTHROUGH, IOMMU_DEFAULT_DMA_LAZY, IOMMU_DEFAULT_DMA_STRICT form one Kconfig"
            + " choice (the IOMMU default domain type): exactly one must be y, not IOMMU_DEFAULT_DMA_LAZY=y and"
            + " IOMMU_DEFAULT_DMA_STRICT=y", two.failure().orElse(""));
        BootResult none = Platforms.boot(Map.of("kconfig", "IOMMU_DEFAULT_DMA_STRICT=n"));
        assertTrue(none.failure().orElse("").endsWith("exactly one must be y, none is"), none.failure().orElse(""));
    }

    @Test
    void x86IommuPtAndNoptAreCommandLineTypeChoices() {
        assertEquals(new IommuDefaults(DomainType.IDENTITY, false, true, false), defaults(x86("iommu=pt")));
        assertEquals(new IommuDefaults(DomainType.DMA_FQ, false, true, false), defaults(x86("iommu=pt,nopt")));
        assertEquals(new IommuDefaults(DomainType.IDENTITY, false, true, false), defaults(x86("iommu.passthrough=0 iommu=pt")));
        assertEquals(X86_DEFAULT, defaults(x86("iommu=soft,force")), "no type choice");
    }

    @Test
    void x86IommuWithoutValueOrWithUsedacIsMalformed() {
        BootResult bare = x86("iommu");
        assertTrue(kernel(bare).contains("Malformed early option 'iommu'"), kernel(bare).toString());
        assertEquals(X86_DEFAULT, defaults(bare));
        BootResult usedac = x86("iommu=usedac,pt");
        assertTrue(kernel(usedac).contains("Malformed early option 'iommu'"), kernel(usedac).toString());
        assertEquals(X86_DEFAULT, defaults(usedac), "usedac ends the parameter before pt");
        BootResult obsolete = x86("iommu=forcesac,nodac,pt");
        assertTrue(kernel(obsolete).containsAll(List.of("forcesac option ignored.", "nodac option ignored.")));
        assertFalse(kernel(obsolete).contains("Malformed early option 'iommu'"));
        assertTrue(defaults(obsolete).passthrough());
    }

    @Test
    void earlyParametersOfEveryOwnerRunInCommandLineOrderAndIommuIsReportedOnce() {
        // iommu.strict (IOMMU core), mem (x86 e820), iommu (x86 swiotlb side and IOMMU core side).
        List<String> l = kernel(x86("iommu.strict=2 mem=nopentium iommu"));
        List<String> early = l.stream().filter(x -> x.startsWith("Malformed early option") || x.startsWith("mem=")).toList();
        assertEquals(List.of("Malformed early option 'iommu.strict'", "mem=nopentium ignored! (only supported on x86_32)",
            "Malformed early option 'mem'", "Malformed early option 'iommu'"), early);
        assertTrue(l.indexOf("BIOS-provided physical RAM map:") < l.indexOf("Malformed early option 'iommu.strict'"),
            "x86 parses early parameters after e820__memory_setup() printed the firmware map");
    }

    @Test
    void usedacAlsoEndsTheSwiotlbSideOfTheParameter() {
        String bounce = "PCI-DMA: Using software bounce buffering for IO (SWIOTLB)";
        assertTrue(kernel(x86("mem=2G iommu=soft")).contains(bounce), "RAM below 4 GiB: only soft asks for swiotlb");
        assertFalse(kernel(x86("mem=2G iommu=usedac,soft")).contains(bounce));
    }

    @Test
    void iommuEqualsIsAnX86ParameterOnly() {
        BootResult r = arm64("iommu=pt iommu");
        assertEquals(ARM64_DEFAULT, defaults(r));
        assertFalse(kernel(r).contains("Malformed early option 'iommu'"));
    }

    @Test
    void intelIommuStrictIsADriverDemandNotACommandLineChoice() {
        BootResult r = x86("intel_iommu=strict");
        List<String> l = kernel(r);
        assertTrue(r.log().lines().contains(new LogLine(LogLine.Level.WARNING,
            "DMAR: intel_iommu=strict deprecated; use iommu.strict=1 instead")), l.toString());
        assertTrue(l.contains("iommu: DMA domain TLB invalidation policy: strict mode "), l.toString());
        assertTrue(l.indexOf("Kernel command line: intel_iommu=strict") < l.indexOf(
            "DMAR: intel_iommu=strict deprecated; use iommu.strict=1 instead"), "a __setup handler: after the notice");
        assertTrue(r.log().lines().stream().noneMatch(x -> x.level() == LogLine.Level.DMASIM && x.text().contains("intel_iommu")));
        assertTrue(kernel(x86("intel-iommu=strict")).contains("DMAR: intel_iommu=strict deprecated; use iommu.strict=1 instead"),
            "names compare with - and _ equal");
    }

    @Test
    void intelIommuRunsAfterEveryEarlyParameter() {
        assertEquals(new IommuDefaults(DomainType.DMA, true, false, true), defaults(x86("intel_iommu=strict iommu.strict=0")),
            "iommu.strict=0 (early) first, then intel_iommu=strict; the command-line mark stays");
    }

    @Test
    void unknownIntelIommuOptionsAreReportedWithTheRestOfTheValue() {
        BootResult r = x86("intel_iommu=foo,,strict,sm_on");
        List<LogLine> lines = r.log().lines();
        assertTrue(lines.contains(new LogLine(LogLine.Level.NOTICE, "DMAR: Unknown option - 'foo,,strict,sm_on'")),
            lines.toString());
        assertTrue(lines.contains(new LogLine(LogLine.Level.INFO, "DMAR: Enable scalable mode if hardware supports")));
        assertTrue(defaults(r).strict(), "strict after the unknown option still applies");
        assertTrue(lines.contains(new LogLine(LogLine.Level.DMASIM, "intel_iommu=foo,,strict,sm_on: no Intel IOMMU (VT-d)"
            + " is simulated, so sm_on changes nothing here; of its options only 'strict' acts")), lines.toString());
    }

    @Test
    void intelIommuIsNotBuiltIntoTheArm64Kernel() {
        BootResult r = arm64("intel_iommu=foo iommu.strict=0");
        assertFalse(kernel(r).stream().anyMatch(l -> l.startsWith("DMAR:")), kernel(r).toString());
        assertFalse(defaults(r).strict());
    }
}
