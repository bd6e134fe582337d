package org.dmasim.itests;

import static org.dmasim.itests.GogoSessions.run;
import static org.dmasim.itests.GogoSessions.failure;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;

import java.util.Map;
import javax.inject.Inject;
import org.apache.felix.service.command.CommandProcessor;
import org.apache.felix.service.command.CommandSession;
import org.dmasim.api.platform.Platform.State;
import org.dmasim.api.platform.PlatformConfig;
import org.junit.Test;
import org.junit.runner.RunWith;
import org.ops4j.pax.exam.junit.PaxExam;
import org.ops4j.pax.exam.spi.reactors.ExamReactorStrategy;
import org.ops4j.pax.exam.spi.reactors.PerClass;

/**
 * Scope {@code dma_debug} through Gogo in Felix: the {@code dma-api} debugfs files of a platform
 * booted with {@code DMA_API_DEBUG=y}, the writable ones written, a refused free reported in the
 * kernel's words, a PCI driver's unbind with a buffer left behind, and the answers for a kernel
 * without DMA-API debugging and for wrong arguments.
 */
@RunWith(PaxExam.class)
@ExamReactorStrategy(PerClass.class)
public class DmaDebugCommandsIT extends DmasimTestSupport {
    private static final String NIC = "0000:00:02.0";

    @Inject
    CommandProcessor processor;

    @Test
    public void debugfsFilesErrorsAndTheUnbindReport() throws Exception {
        createPlatform("dbg", Map.of(PlatformConfig.PROFILE, "qemu-virt-arm64-testdevs", PlatformConfig.KCONFIG,
            new String[] {"DMA_API_DEBUG=y"}));
        awaitState("dbg", State.BOOTED);
        try (CommandSession s = session()) {
            String files = run(s, "dma_debug:debugfs -p dbg");
            assertTrue(files, files.contains("/sys/kernel/debug/dma-api/disabled: N\n"));
            assertTrue(files, files.contains("/sys/kernel/debug/dma-api/nr_total_entries: 65536\n"));
            assertTrue(files, files.contains("/sys/kernel/debug/dma-api/num_errors: 1\n"));
            assertEquals("error_count() = 0", run(s, "dma_debug:error_count -p dbg"));

            run(s, "dma:device_create -p dbg --pci " + NIC);
            assertEquals("driver_bind(" + NIC + ", e1000e) = e1000e", run(s, "dma_debug:driver_bind -p dbg " + NIC
                + " e1000e"));
            String alloc = run(s, "ring = dma:dma_alloc_coherent -p dbg " + NIC + " 8K GFP_KERNEL");
            assertTrue(alloc, alloc.startsWith("dma_alloc_coherent(" + NIC + ", 8K, GFP_KERNEL) = cpu "));
            String dump = run(s, "dma_debug:dump -p dbg");
            assertTrue(dump, dump.startsWith("e1000e " + NIC + " coherent idx ") && dump.endsWith(
                " L=2000 DMA_BIDIRECTIONAL dma map error check not applicable"));

            assertEquals("DMA-API: enable driver filter for driver [e1000e]\ndriver_filter(e1000e) = e1000e",
                run(s, "dma_debug:driver_filter -p dbg e1000e"));
            assertEquals("DMA-API: switching off dma-debug driver filter\ndriver_filter(--off) = ",
                run(s, "dma_debug:driver_filter -p dbg --off"));
            assertEquals("all_errors(1) = 1", run(s, "dma_debug:all_errors -p dbg 1"));

            String refused = failure(s, "dma:dma_free_coherent -p dbg " + NIC + " 4K ($ring cpu) ($ring dma)");
            assertTrue(refused, refused.contains("refused, nothing changed"));
            assertEquals("error_count() = 1", run(s, "dma_debug:error_count -p dbg"));

            String unbind = run(s, "dma_debug:driver_unbind -p dbg " + NIC);
            assertTrue(unbind, unbind.startsWith("DMA-API: pci " + NIC + ": device driver has pending DMA allocations"
                + " while released from device [count=1]\nOne of leaked entries details: [device address=0x"));
            assertTrue(unbind, unbind.endsWith("] [size=8192 bytes] [mapped with DMA_BIDIRECTIONAL] [mapped as"
                + " coherent]\nDMA-API: Mapped at:\ndriver_unbind(" + NIC + ")"));
            assertEquals("error_count() = 2", run(s, "dma_debug:error_count -p dbg"));

            assertEquals("usage: dma_debug:driver_bind DEVICE DRIVER [-p PLATFORM]",
                failure(s, "dma_debug:driver_bind -p dbg " + NIC));
            assertEquals("/sys/kernel/debug/dma-api/num_errors: write error: Invalid argument (-EINVAL): 'many' is not"
                + " a number (kstrtoull, base 0)", failure(s, "dma_debug:num_errors -p dbg many"));
            assertEquals(NIC.replace("0000", "pci 0000") + ": no driver is bound (nothing to unbind)",
                failure(s, "dma_debug:driver_unbind -p dbg " + NIC));
        }
    }

    @Test
    public void aKernelWithoutDmaApiDebugging() throws Exception {
        createPlatform("plain", Map.of(PlatformConfig.PROFILE, "qemu-virt-arm64-testdevs"));
        awaitState("plain", State.BOOTED);
        try (CommandSession s = session()) {
            assertEquals("platform 'plain': its kernel is built without DMA-API debugging, so there is no"
                + " /sys/kernel/debug/dma-api (boot it with --kconfig DMA_API_DEBUG=y or the profile line"
                + " kconfig.DMA_API_DEBUG = y)", failure(s, "dma_debug:error_count -p plain"));
        }
    }

    private CommandSession session() {
        return GogoSessions.open(processor);
    }

}
