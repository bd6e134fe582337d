package org.dmasim.itests;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;

import java.util.ArrayList;
import java.util.List;
import javax.inject.Inject;
import org.junit.Test;
import org.junit.runner.RunWith;
import org.ops4j.pax.exam.junit.PaxExam;
import org.ops4j.pax.exam.spi.reactors.ExamReactorStrategy;
import org.ops4j.pax.exam.spi.reactors.PerClass;
import org.osgi.framework.Bundle;
import org.osgi.service.component.runtime.ServiceComponentRuntime;
import org.osgi.service.component.runtime.dto.ComponentConfigurationDTO;
import org.osgi.service.component.runtime.dto.ComponentDescriptionDTO;

/** Every bundle of dmasim resolves and starts, and none of their DS components failed. */
@RunWith(PaxExam.class)
@ExamReactorStrategy(PerClass.class)
public class BundlesIT extends DmasimTestSupport {

    @Inject
    ServiceComponentRuntime scr;

    @Test
    public void allBundles_active() {
        List<String> notActive = new ArrayList<>();
        for (String bsn : DmasimOptions.DMASIM_BUNDLES) {
            Bundle b = bundle(bsn);
            if (b.getState() != Bundle.ACTIVE) {
                notActive.add(bsn + " (state " + b.getState() + ")");
            }
        }
        for (Bundle b : context.getBundles()) {
            if (b.getState() != Bundle.ACTIVE && b.getBundleId() != 0) {
                notActive.add(b.getSymbolicName() + " (state " + b.getState() + ")");
            }
        }
        assertEquals("bundles not ACTIVE", List.of(), notActive);
    }

    /** Components may wait for configuration or references; none may have failed to activate. */
    @Test
    public void noComponentFailedToActivate() {
        List<String> failed = new ArrayList<>();
        for (ComponentDescriptionDTO d : scr.getComponentDescriptionDTOs()) {
            for (ComponentConfigurationDTO c : scr.getComponentConfigurationDTOs(d)) {
                if (c.state == ComponentConfigurationDTO.FAILED_ACTIVATION) {
                    failed.add(d.name + ": " + c.failure);
                }
            }
        }
        assertEquals("components that failed to activate", List.of(), failed);
    }

    @Test
    public void shellCommands_registered() throws Exception {
        var refs = context.getServiceReferences((String) null, "(osgi.command.scope=dmasim)");
        assertTrue("no dmasim Gogo commands registered", refs != null && refs.length > 0);
    }
}
