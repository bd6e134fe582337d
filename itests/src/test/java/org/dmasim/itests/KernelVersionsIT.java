package org.dmasim.itests;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;

import java.util.Dictionary;
import java.util.List;
import java.util.Map;
import org.dmasim.api.device.DmaDevice;
import org.dmasim.api.dma.DmaApi;
import org.dmasim.api.dmapool.DmaPools;
import org.dmasim.api.mm.MmRules;
import org.dmasim.api.platform.Platform;
import org.dmasim.api.platform.Platform.State;
import org.dmasim.api.platform.PlatformConfig;
import org.junit.Test;
import org.junit.runner.RunWith;
import org.ops4j.pax.exam.junit.PaxExam;
import org.ops4j.pax.exam.spi.reactors.ExamReactorStrategy;
import org.ops4j.pax.exam.spi.reactors.PerClass;
import org.osgi.framework.ServiceReference;

/**
 * The kernel is a platform's setting: a 6.1 and a 6.12 platform of the same board side by side in
 * one framework, each with its version's rules (boot lines, GFP table, dma_pool algorithm, DMA
 * zone), and a platform whose configuration changes its kernel re-booted with the other one.
 */
@RunWith(PaxExam.class)
@ExamReactorStrategy(PerClass.class)
public class KernelVersionsIT extends DmasimTestSupport {
    private static final String BOARD = "qemu-virt-arm64-testdevs";

    @Test
    public void twoKernelsOfOneBoardRunSideBySide() throws Exception {
        createPlatform("old", Map.of(PlatformConfig.PROFILE, BOARD));
        Dictionary<String, Object> typed = PlatformConfig.named("new").profile(BOARD).kernel("6.12").toProperties();
        configAdmin.getFactoryConfiguration(PlatformConfig.FACTORY_PID, "new", "?").update(typed);
        ServiceReference<Platform> old = awaitState("old", State.BOOTED);
        ServiceReference<Platform> neu = awaitState("new", State.BOOTED);

        List<Object> a = facts(old);
        List<Object> b = facts(neu);
        assertEquals(List.of("6.1", 0xa20, "6.1", -5, "iommu: Default domain type: Translated "), a);
        assertEquals(List.of("6.12", 0x820, "6.4", 0, "iommu: Default domain type: Translated"), b);
    }

    /** Kernel, GFP_ATOMIC, dma_pool algorithm, the dr device's 31-bit mask, the IOMMU line. */
    private List<Object> facts(ServiceReference<Platform> ref) {
        return withPlatform(ref, p -> {
            DmaApi dma = p.lookup(DmaApi.class).orElseThrow();
            DmaDevice dr = dma.device("dma-test-bus:dma-test-dr").orElseThrow();
            String iommu = p.bootLog().kernelText().stream().filter(l -> l.startsWith("iommu: Default")).findFirst()
                .orElseThrow();
            return List.of(p.spec().kernel().toString(), p.lookup(MmRules.class).orElseThrow().gfpAtomic(),
                p.lookup(DmaPools.class).orElseThrow().backendVersion(), dma.setMask(dr, 0x7fffffffL), iommu);
        });
    }

    @Test
    public void changingTheKernelReBootsThePlatform() throws Exception {
        org.osgi.service.cm.Configuration config = createPlatform("switch", Map.of(PlatformConfig.PROFILE, BOARD));
        awaitState("switch", State.BOOTED);
        Dictionary<String, Object> props = config.getProperties();
        props.put(PlatformConfig.KERNEL, "6.12");
        config.update(props);
        ServiceReference<Platform> ref = await("switch", "runs 6.12", p -> p.state() == State.BOOTED
            && p.spec().kernel().toString().equals("6.12"));
        assertTrue(withPlatform(ref, p -> p.bootLog().kernelText()
            .contains("OF: reserved mem: 0x0000000058000000..0x0000000058ffffff (16384 KiB) map reusable test-cma@58000000")));

        props.put(PlatformConfig.KERNEL, "5.15");
        config.update(props);
        ServiceReference<Platform> failed = awaitState("switch", State.FAILED);
        assertEquals("kernel 5.15: not a kernel dmasim models (modelled: 6.1, 6.12)",
            withPlatform(failed, p -> p.failure().orElseThrow()));
    }
}
