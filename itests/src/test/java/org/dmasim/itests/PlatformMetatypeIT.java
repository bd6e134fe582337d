package org.dmasim.itests;

import static org.junit.Assert.assertArrayEquals;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertNotNull;
import static org.junit.Assert.assertNull;
import static org.junit.Assert.assertTrue;
import static org.ops4j.pax.exam.CoreOptions.options;

import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import javax.inject.Inject;
import org.dmasim.api.platform.Platform;
import org.dmasim.api.platform.PlatformConfig;
import org.dmasim.api.platform.PlatformSpec;
import org.junit.Test;
import org.junit.runner.RunWith;
import org.ops4j.pax.exam.Configuration;
import org.ops4j.pax.exam.Option;
import org.ops4j.pax.exam.junit.PaxExam;
import org.ops4j.pax.exam.spi.reactors.ExamReactorStrategy;
import org.ops4j.pax.exam.spi.reactors.PerClass;
import org.osgi.framework.ServiceReference;
import org.osgi.service.metatype.AttributeDefinition;
import org.osgi.service.metatype.MetaTypeInformation;
import org.osgi.service.metatype.MetaTypeService;
import org.osgi.service.metatype.ObjectClassDefinition;

/**
 * A platform's settings as Metatype-aware tools see them: the platform bundle describes its
 * factory configuration, every key with its type, cardinality and allowed values, and a
 * configuration written with the typed {@link PlatformConfig} builder boots. The swiotlb backend
 * describes its own configuration. Adds Apache Felix
 * Metatype to the usual runtime; dmasim itself does not need it.
 */
@RunWith(PaxExam.class)
@ExamReactorStrategy(PerClass.class)
public class PlatformMetatypeIT extends DmasimTestSupport {
    @Inject
    private MetaTypeService metaType;

    @Configuration
    @Override
    public Option[] config() {
        return options(DmasimOptions.dmasim(), DmasimOptions.bundleOnClassPath("org.apache.felix.metatype"));
    }

    @Test
    public void thePlatformFactoryConfigurationIsDescribed() {
        MetaTypeInformation info = metaType.getMetaTypeInformation(bundle("org.dmasim.platform"));
        assertArrayEquals(new String[] {PlatformConfig.FACTORY_PID}, info.getFactoryPids());
        ObjectClassDefinition ocd = info.getObjectClassDefinition(PlatformConfig.FACTORY_PID, null);
        assertEquals("dmasim platform", ocd.getName());

        Map<String, AttributeDefinition> ads = new TreeMap<>();
        for (AttributeDefinition ad : ocd.getAttributeDefinitions(ObjectClassDefinition.ALL)) {
            ads.put(ad.getID(), ad);
        }
        assertEquals(Set.of(PlatformConfig.NAME, PlatformConfig.PROFILE, PlatformConfig.ARCH, PlatformConfig.KERNEL,
            PlatformConfig.DTB,
            PlatformConfig.E820, PlatformConfig.MEM, PlatformConfig.CMDLINE, PlatformConfig.KCONFIG, PlatformConfig.CPUS,
            PlatformConfig.BACKEND, PlatformConfig.KERNEL_BASE, PlatformConfig.DTB_BASE, PlatformConfig.DTB_SIZE,
            PlatformConfig.CACHE_EVICT), ads.keySet());
        AttributeDefinition[] required = ocd.getAttributeDefinitions(ObjectClassDefinition.REQUIRED);
        assertEquals("only the name is required", 1, required.length);
        assertEquals(PlatformConfig.NAME, required[0].getID());

        AttributeDefinition cpus = ads.get(PlatformConfig.CPUS);
        assertEquals(AttributeDefinition.INTEGER, cpus.getType());
        assertEquals("", cpus.validate("4"));
        assertTrue("0 CPUs is out of range", !cpus.validate("0").isEmpty());
        assertArrayEquals(new String[] {"arm64", "x86_64"}, ads.get(PlatformConfig.ARCH).getOptionValues());
        assertArrayEquals("the kernels dmasim models", new String[] {"6.1", "6.12"},
            ads.get(PlatformConfig.KERNEL).getOptionValues());
        assertEquals(Integer.MAX_VALUE, ads.get(PlatformConfig.KCONFIG).getCardinality());
        AttributeDefinition backend = ads.get(PlatformConfig.BACKEND);
        assertEquals(Integer.MAX_VALUE, backend.getCardinality());
        assertTrue(backend.getDescription(), backend.getDescription().contains("backend.SUBSYSTEM"));
    }

    @Test
    public void theSwiotlbBackendConfigurationIsDescribed() {
        // One configuration (not a factory) for every platform: the size of pools made at run time.
        MetaTypeInformation info = metaType.getMetaTypeInformation(bundle("org.dmasim.swiotlb"));
        assertArrayEquals(new String[] {"org.dmasim.swiotlb"}, info.getPids());
        ObjectClassDefinition ocd = info.getObjectClassDefinition("org.dmasim.swiotlb", null);
        assertEquals("dmasim swiotlb backend", ocd.getName());
        AttributeDefinition[] ads = ocd.getAttributeDefinitions(ObjectClassDefinition.ALL);
        assertEquals(1, ads.length);
        assertEquals("late.size", ads[0].getID());
        assertEquals(AttributeDefinition.STRING, ads[0].getType());
        assertNull("nothing is required (Metatype answers null)", ocd.getAttributeDefinitions(ObjectClassDefinition.REQUIRED));
        assertTrue(ads[0].getDescription(), ads[0].getDescription().contains("swiotlb_init_late"));
    }

    @Test
    public void aConfigurationWrittenWithTheTypedBuilderBoots() throws Exception {
        configAdmin.getFactoryConfiguration(PlatformConfig.FACTORY_PID, "typed", "?").update(
            PlatformConfig.named("typed").profile("qemu-virt-arm64").cmdline("cma=32M").kconfig("CMA_AREAS", "7")
                .cpus(2).backend("dmapool", "6.4").cacheEvict("seed=9,rate=0.001").toProperties());
        ServiceReference<Platform> ref = awaitState("typed", Platform.State.BOOTED);
        PlatformSpec spec = withPlatform(ref, Platform::spec);
        assertEquals(2, spec.possibleCpus());
        assertEquals(7, spec.kconfig().number("CMA_AREAS"));
        assertEquals("6.4", spec.options().get("dmapool"));
        assertEquals("seed=9,rate=0.001", spec.cacheEviction().toString());
        assertTrue(withPlatform(ref, p -> p.bootLog().kernelText()).contains("cma: Reserved 32 MiB at 0x00000000fe000000"));
    }

    @Test
    public void aValueOfTheWrongTypeFailsThePlatformNamingTheKey() throws Exception {
        createPlatform("badcpus", Map.of(PlatformConfig.CPUS, "four"));
        ServiceReference<Platform> ref = awaitState("badcpus", Platform.State.FAILED);
        assertEquals("platform configuration: cpus = 'four': not an integer",
            withPlatform(ref, p -> p.failure().orElse("")));
        assertNotNull(ref);
    }
}
