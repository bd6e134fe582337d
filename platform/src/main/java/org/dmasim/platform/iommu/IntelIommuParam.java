package org.dmasim.platform.iommu;

import java.util.ArrayList;
import java.util.List;
import org.dmasim.api.platform.BootLog;
import org.dmasim.api.platform.LogLine;

/**
 * {@code intel_iommu=} ({@code intel_iommu_setup}, drivers/iommu/intel/iommu.c, 6.1; Debian's
 * amd64 kernel builds the VT-d driver in). A {@code __setup} handler, not an early one: it runs
 * while the rest of the command line is parsed, after the "Kernel command line:" notice and
 * after every early parameter, and it accepts every value (returns 1). Options are comma
 * separated and matched by prefix; each known one is announced with the driver's
 * {@code "DMAR: "} prefix, an unknown one is reported with the rest of the value from it on
 * ({@code intel_iommu=foo,strict} prints {@code Unknown option - 'foo,strict'} and still
 * applies {@code strict}).
 *
 * <p>Only {@code strict} changes what dmasim simulates ({@code iommu_set_dma_strict()}); the
 * others steer VT-d hardware, which no simulated platform has, and a {@code dmasim:} remark
 * says so.
 */
final class IntelIommuParam {
    private record Option(String prefix, boolean warn, String message) {
    }

    private static final String DMAR = "DMAR: ";
    private static final List<Option> OPTIONS = List.of(
        new Option("on", false, "IOMMU enabled"),
        new Option("off", false, "IOMMU disabled"),
        new Option("igfx_off", false, "Disable GFX device mapping"),
        new Option("forcedac", true, "intel_iommu=forcedac deprecated; use iommu.forcedac instead"),
        new Option("strict", true, "intel_iommu=strict deprecated; use iommu.strict=1 instead"),
        new Option("sp_off", false, "Disable supported super page"),
        new Option("sm_on", false, "Enable scalable mode if hardware supports"),
        new Option("sm_off", false, "Scalable mode is disallowed"),
        new Option("tboot_noforce", false,
            "Intel-IOMMU: not forcing on after tboot. This could expose security risk for tboot"));

    private IntelIommuParam() {
    }

    static void setup(String value, IommuCmdline iommu, BootLog log) {
        List<String> unsimulated = new ArrayList<>();
        int at = 0;
        while (at < value.length()) {
            String rest = value.substring(at);
            Option known = OPTIONS.stream().filter(o -> rest.startsWith(o.prefix())).findFirst().orElse(null);
            if (known == null) {
                log.notice(DMAR + "Unknown option - '" + rest + "'");
            } else {
                log.add(known.warn() ? LogLine.Level.WARNING : LogLine.Level.INFO, DMAR + known.message());
                if (known.prefix().equals("strict")) {
                    iommu.setDmaStrict();
                } else {
                    unsimulated.add(known.prefix());
                }
            }
            int comma = value.indexOf(',', at);
            at = comma < 0 ? value.length() : comma;
            while (at < value.length() && value.charAt(at) == ',') {
                at++;
            }
        }
        if (!unsimulated.isEmpty()) {
            log.dmasim("intel_iommu=" + value + ": no Intel IOMMU (VT-d) is simulated, so "
                + String.join(", ", unsimulated) + " change" + (unsimulated.size() == 1 ? "s" : "")
                + " nothing here; of its options only 'strict' acts");
        }
    }
}
