package org.dmasim.devices;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

/** The scripts' byte patterns, and the bug list the help text names. */
class ShellArgsTest {
    @Test
    void theHelpTextNamesEveryDriverBug() {
        assertEquals("driver bugs joined by ',': " + ShellArgs.bugNames(), ShellArgs.BUGS);
    }

    @Test
    void aHexPatternRepeatsToTheLength() {
        assertArrayEquals(new byte[] {8, 0, 0x45, 8, 0}, ShellArgs.bytes("0x080045", "5", 100));
        assertArrayEquals(new byte[] {(byte) 0xde, (byte) 0xad}, ShellArgs.bytes("DEAD", "", 100));
        assertEquals("data: 'abc' (expected: hex bytes, two digits each, such as aa or 0800451c)",
            assertThrows(IllegalArgumentException.class, () -> ShellArgs.bytes("abc", "", 100)).getMessage());
        assertEquals("data: '' (expected: hex bytes, two digits each, such as aa or 0800451c)",
            assertThrows(IllegalArgumentException.class, () -> ShellArgs.bytes("", "4", 100)).getMessage());
        assertEquals("len: 0 (expected: 1..100)",
            assertThrows(IllegalArgumentException.class, () -> ShellArgs.bytes("aa", "0", 100)).getMessage());
        assertEquals("01 02 (2 bytes)", ShellArgs.preview(new byte[] {1, 2}));
    }
}
