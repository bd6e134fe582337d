package org.dmasim.itests;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertThrows;
import static org.junit.Assert.assertTrue;

import java.util.Dictionary;
import java.util.List;
import java.util.Map;
import org.dmasim.api.backend.BackendInstances;
import org.dmasim.api.backend.BackendState;
import org.dmasim.api.backend.Backends;
import org.dmasim.api.device.DmaDevice;
import org.dmasim.api.dma.DeviceSpec;
import org.dmasim.api.dma.DmaApi;
import org.dmasim.api.dmapool.DmaBlock;
import org.dmasim.api.dmapool.DmaPool;
import org.dmasim.api.dmapool.DmaPools;
import org.dmasim.api.mm.Gfp;
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
 * architectures side by side, a configuration update that re-boots one platform only, backend
 * bundles that go away with live state and come back (their instances drain; the platform keeps
 * running), a backend forced out, and a core bundle whose loss re-boots the platform.
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
    public void twoPlatforms_update_backendSwapDrains_forceOut_coreLossReboots() throws Exception {
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

        // 3. A backend that starts late goes away with live state: the platform stays BOOTED, the
        //    old instance drains (serving what it holds), and a new one takes new work when the
        //    bundle is back. Services are the backend bundle's own.
        Object armServiceId = armRef.getProperty(Constants.SERVICE_ID);
        DmaDevice dev = withPlatform(armRef, p -> p.lookup(DmaApi.class).orElseThrow()
            .createDevice(DeviceSpec.platform("swap-dev", true)));
        BackendInstances instances = backendInstances(ARM);
        String oldPools = instances.active("dmapool").orElseThrow().id();
        ServiceReference<DmaPools> poolsRef = service(DmaPools.class, ARM);
        assertEquals("DmaPools is registered by the dmapool bundle", "org.dmasim.dmapool",
            poolsRef.getBundle().getSymbolicName());
        assertEquals(oldPools, poolsRef.getProperty(Backends.INSTANCE_PROPERTY));
        DmaPools pools = context.getService(poolsRef);
        DmaPool oldPool = pools.create("before", dev, 64, 64, 0).orElseThrow();
        DmaBlock held = oldPool.alloc(Gfp.GFP_KERNEL).orElseThrow();
        assertEquals(1, instances.instance(oldPools).orElseThrow().held());

        Bundle dmapool = bundle("org.dmasim.dmapool");
        dmapool.stop();
        awaitInstance(instances, oldPools, BackendState.DRAINING);
        assertEquals("the platform did not re-boot", armServiceId, platformReference(ARM).getProperty(Constants.SERVICE_ID));
        assertEquals(State.BOOTED.name(), platformReference(ARM).getProperty(Platform.STATE_PROPERTY));
        assertTrue("no DmaPools while dmapool is stopped", withPlatform(armRef, p -> p.lookup(DmaPools.class)).isEmpty());
        // The old pool keeps working for what it holds; its last destroy releases the instance.
        oldPool.free(held);
        DmaBlock again = oldPool.alloc(Gfp.GFP_KERNEL).orElseThrow();
        oldPool.free(again);
        oldPool.destroy();
        assertEquals(BackendState.RELEASED, instances.instance(oldPools).orElseThrow().state());

        dmapool.start();
        String newPools = awaitActive(instances, "dmapool");
        assertFalse(newPools.equals(oldPools));
        DmaPools fresh = withPlatform(armRef, p -> p.lookup(DmaPools.class).orElseThrow());
        DmaPool after = fresh.create("after", dev, 64, 64, 0).orElseThrow();
        assertEquals("new work goes to the new instance", 1, instances.instance(newPools).orElseThrow().held());

        // swiotlb: the boot pool is released when its bundle stops (nothing held it); a pool made
        // at run time from the page allocator serves when it is back.
        String oldTlb = instances.active("swiotlb").orElseThrow().id();
        Bundle swiotlb = bundle("org.dmasim.swiotlb");
        swiotlb.stop();
        awaitInstance(instances, oldTlb, BackendState.RELEASED);
        assertEquals(armServiceId, platformReference(ARM).getProperty(Constants.SERVICE_ID));
        swiotlb.start();
        awaitActive(instances, "swiotlb");
        assertContains(withPlatform(armRef, p -> p.bootLog().kernelText()), "software IO TLB: only able to allocate 4 MB");
        assertEquals(State.BOOTED.name(), platformReference(ARM).getProperty(Platform.STATE_PROPERTY));

        // 4. Forced out with live state: the pool is revoked and its later use refused.
        List<String> report = instances.forceOut(newPools);
        assertTrue(String.join("\n", report), report.stream().anyMatch(l -> l.contains("dma_pool after revoked")));
        assertThrows(IllegalArgumentException.class, () -> after.alloc(Gfp.GFP_KERNEL));
        context.ungetService(poolsRef);

        // 5. A backend that owns the platform's core state (dma.core, its devices) goes away: the
        //    platform waits for it, and says so ...
        Bundle dmaCore = bundle("org.dmasim.dma.core");
        dmaCore.stop();
        await(ARM, "WAITING for dma.core",
            p -> p.state() == State.WAITING && p.failure().orElse("").contains("dma.core"));

        // ... and boots again when it is back.
        dmaCore.start();
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
