package org.dmasim.platform.boot;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import java.util.Set;
import org.dmasim.api.boot.BootContext;
import org.dmasim.api.boot.BootParticipant;
import org.dmasim.api.boot.BootPhase;
import org.dmasim.api.platform.Arch;
import org.dmasim.api.platform.PlatformConfig;
import org.dmasim.platform.oracle.Platforms;
import org.dmasim.platform.profile.SpecBuilder;
import org.junit.jupiter.api.Test;

/** {@code --backend SUBSYSTEM=CHOICE}: the subsystems and choices come from the participants. */
class BackendChoicesTest {
    /** A participant that only declares a choice, as dmapool does. */
    private static final BootParticipant POOLS = new BootParticipant() {
        @Override
        public String name() {
            return "dmapool";
        }

        @Override
        public Map<String, Set<String>> backendChoices() {
            return Map.of("dmapool", Set.of("6.1", "6.4"));
        }

        @Override
        public Set<BootPhase> phases(Arch arch) {
            return Set.of();
        }

        @Override
        public void run(BootPhase phase, BootContext context) {
            throw new AssertionError("declares no phase");
        }
    };

    private static BootResult boot(String backend) {
        return Platforms.boot(SpecBuilder.build(Map.of(PlatformConfig.PROFILE, "qemu-virt-arm64",
            PlatformConfig.BACKEND, new String[] {backend})), POOLS);
    }

    @Test
    void unknownSubsystem_namesTheDeclaredOnes() {
        BootResult r = boot("dmapol=6.4");
        assertEquals("backend dmapol=6.4: unknown subsystem 'dmapol' (subsystems with a backend choice: dmapool)",
            r.failure().orElse("booted"));
    }

    @Test
    void unknownChoice_namesTheValidOnes() {
        BootResult r = boot("dmapool=6.5");
        assertEquals("backend dmapool=6.5: unknown choice '6.5' (dmapool choices: 6.1, 6.4)", r.failure().orElse("booted"));
    }

    @Test
    void declaredChoice_boots() {
        BootResult r = boot("dmapool=6.4");
        assertTrue(r.ok(), r.failure().orElse(""));
    }
}
