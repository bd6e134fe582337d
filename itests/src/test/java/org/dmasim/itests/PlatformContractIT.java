package org.dmasim.itests;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;

import java.util.Dictionary;
import java.util.List;
import java.util.Map;
import org.dmasim.api.platform.Platform;
import org.dmasim.api.platform.Platform.State;
import org.dmasim.api.platform.PlatformConfig;
import org.junit.Test;
import org.junit.runner.RunWith;
import org.ops4j.pax.exam.junit.PaxExam;
import org.ops4j.pax.exam.spi.reactors.ExamReactorStrategy;
import org.ops4j.pax.exam.spi.reactors.PerClass;
import org.osgi.framework.Bundle;
import org.osgi.framework.Constants;
import org.osgi.framework.ServiceReference;
import org.osgi.service.cm.Configuration;

/**
 * The platform contract, end to end in one framework: two platforms of different
 * architectures side by side, a configuration update that re-boots one platform only, and a
 * backend bundle that goes away and comes back.
 *
 * <p>One test method on purpose: the steps build on each other, and the framework is shared
 * ({@code PerClass}).
 */
@RunWith(PaxExam.class)
@ExamReactorStrategy(PerClass.class)
public class PlatformContractIT extends DmasimTestSupport {
    private static final String ARM = "qemu-virt-arm64";
    private static final String X86 = "pc-x86_64";

    @Test
    public void twoPlatforms_update_andBackendSwap() throws Exception {
        // 1. Two platforms, one factory configuration each. Their names become the
        //    dmasim.platform property of every service they publish.
        Configuration arm = createPlatform(ARM, Map.of(PlatformConfig.PROFILE, ARM));
        createPlatform(X86, Map.of(PlatformConfig.PROFILE, X86));

        ServiceReference<Platform> armRef = awaitState(ARM, State.BOOTED);
        ServiceReference<Platform> x86Ref = awaitState(X86, State.BOOTED);

        List<String> armLog = kernelLog(armRef);
        assertContains(armLog, "Zone ranges:");
        assertContains(armLog, "  DMA32    empty");
        assertContains(kernelLog(x86Ref), "  Device   empty");

        // 2. Updating a configuration re-boots that platform, and only that one.
        Object x86ServiceId = x86Ref.getProperty(Constants.SERVICE_ID);
        Dictionary<String, Object> props = arm.getProperties();
        props.put(PlatformConfig.CMDLINE, "cma=128M");
        arm.update(props);

        String cmaLine = "cma: Reserved 128 MiB at 0x00000000f8000000";
        armRef = await(ARM, "BOOTED with '" + cmaLine + "'",
            p -> p.state() == State.BOOTED && p.bootLog().kernelText().contains(cmaLine));

        ServiceReference<Platform> x86Now = platformReference(X86);
        assertEquals("the x86 platform's service must be untouched", x86ServiceId,
            x86Now.getProperty(Constants.SERVICE_ID));
        assertEquals(State.BOOTED.name(), x86Now.getProperty(Platform.STATE_PROPERTY));

        // 3. A backend the profile needs goes away: the platform waits for it, and says so.
        Bundle swiotlb = bundle("org.dmasim.swiotlb");
        swiotlb.stop();
        await(ARM, "WAITING for swiotlb",
            p -> p.state() == State.WAITING && p.failure().orElse("").contains("swiotlb"));

        // ... and boots again when it is back.
        swiotlb.start();
        awaitState(ARM, State.BOOTED);
    }

    /** The platform's kernel log lines (no dmasim remarks), as text. */
    private List<String> kernelLog(ServiceReference<Platform> ref) {
        return withPlatform(ref, p -> p.bootLog().kernelText());
    }

    private static void assertContains(List<String> log, String line) {
        assertTrue("boot log has no line '" + line + "':\n" + String.join("\n", log), log.contains(line));
    }
}
