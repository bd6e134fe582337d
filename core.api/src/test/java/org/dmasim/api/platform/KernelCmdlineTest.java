package org.dmasim.api.platform;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

class KernelCmdlineTest {
    @Test
    void aLineLongerThanCommandLineSizeIsCutTo2047BytesAsTheBootloaderCopiesIt() {
        String given = "console=ttyS0 " + "a".repeat(3000) + " mem=1G";
        KernelCmdline c = KernelCmdline.boot(given);
        assertTrue(c.wasCut());
        assertEquals(given.length(), c.givenBytes());
        assertEquals(KernelCmdline.COMMAND_LINE_SIZE - 1, c.raw().length());
        assertEquals(given.substring(0, 2047), c.raw());
        assertFalse(c.has("mem"), "what was cut off is not a parameter");
    }

    @Test
    void aLineThatFitsIsKeptAndACutNeverSplitsACharacter() {
        assertFalse(KernelCmdline.boot("a".repeat(2047)).wasCut());
        assertTrue(KernelCmdline.boot("a".repeat(2048)).wasCut());
        String given = "x".repeat(2046) + "\u00e9tail"; // 'é' takes bytes 2046 and 2047
        KernelCmdline c = KernelCmdline.boot(given);
        assertEquals("x".repeat(2046), c.raw());
        assertTrue(c.raw().getBytes(StandardCharsets.UTF_8).length <= 2047);
    }

    @Test
    void parametersEndAtABareDoubleDashLikeParseArgs() {
        KernelCmdline c = KernelCmdline.parse("mem=1G -- mem=2G init-arg");
        assertEquals(List.of(new KernelCmdline.Param("mem", "1G")), c.params());
        assertEquals("1G", c.value("mem").orElseThrow());
        assertEquals("mem=1G -- mem=2G init-arg", c.raw());
    }
}
