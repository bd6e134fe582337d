package org.dmasim.platform.dt;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.fail;

import java.util.Arrays;
import java.util.Random;

import org.dmasim.api.dt.DeviceTree;
import org.dmasim.api.dt.DeviceTreeException;
import org.junit.jupiter.api.Test;

/**
 * Corrupt blobs may only ever give a DeviceTreeException or a valid tree (which must then
 * survive a write/parse round trip) - never an index, null-pointer or arithmetic exception.
 */
class DtbFuzzTest {
    private static final int ITERATIONS = 3000;

    @Test
    void everyTruncationIsRejected() {
        for (String name : new String[] {"features", "a64-dtb-2bank-2G+2G-rmcma256M"}) {
            byte[] blob = Fixtures.bytes(name + ".dtb");
            for (int len = 0; len < blob.length; len++) {
                byte[] cut = Arrays.copyOf(blob, len);
                assertThrows(DeviceTreeException.class, () -> DtbParser.parse(cut, "cut.dtb"),
                    name + " truncated to " + len + " bytes");
            }
        }
    }

    /** Truncated, but with totalsize and size_dt_struct claiming the shorter length: deeper paths run. */
    @Test
    void everyTruncationWithPatchedSizesGivesAnErrorOrATree() {
        byte[] blob = Fixtures.bytes("features.dtb");
        for (int len = 0; len < blob.length; len++) {
            byte[] cut = Arrays.copyOf(blob, len);
            if (len >= Fdt.HEADER_SIZE_V17) {
                cut = FdtBuilder.withU32(cut, Fdt.OFF_TOTALSIZE, len);
                long structOff = FdtBuilder.u32At(cut, Fdt.OFF_DT_STRUCT);
                cut = FdtBuilder.withU32(cut, Fdt.OFF_SIZE_DT_STRUCT, Math.max(0, Math.min(
                    FdtBuilder.u32At(cut, Fdt.OFF_SIZE_DT_STRUCT), len - structOff)));
            }
            parseOrReject(cut, "truncated to " + len);
        }
    }

    @Test
    void fixedSeedByteFlips() {
        flipBytes(0x5eed_d7bL);
    }

    @Test
    void freshSeedByteFlips() {
        long seed = Long.getLong("dmasim.seed", System.nanoTime());
        System.out.println("DtbFuzzTest.freshSeedByteFlips seed=" + seed + " (rerun with -Ddmasim.seed=" + seed + ")");
        flipBytes(seed);
    }

    private static void flipBytes(long seed) {
        Random random = new Random(seed);
        String[] sources = {"features", "merge", "a64-4G-smmuv3"};
        for (int i = 0; i < ITERATIONS; i++) {
            byte[] blob = Fixtures.bytes(sources[i % sources.length] + ".dtb");
            int flips = 1 + random.nextInt(8);
            for (int f = 0; f < flips; f++) {
                // Bias towards the header and first tokens, where a flip changes the most.
                int at = random.nextInt(3) == 0 ? random.nextInt(Math.min(blob.length, 128)) : random.nextInt(blob.length);
                blob[at] = random.nextInt(4) == 0 ? (byte) random.nextInt(256) : (byte) (blob[at] ^ (1 << random.nextInt(8)));
            }
            parseOrReject(blob, "seed " + seed + ", iteration " + i);
        }
    }

    private static void parseOrReject(byte[] blob, String what) {
        DeviceTree tree;
        try {
            tree = DtbParser.parse(blob, "fuzz.dtb");
        } catch (DeviceTreeException expected) {
            return;
        } catch (RuntimeException | StackOverflowError e) {
            throw new AssertionError(what + ": " + e, e);
        }
        try {
            TreeAssert.assertTreesEqual(tree, DtbParser.parse(DtbWriter.write(tree), "rewritten.dtb"));
        } catch (RuntimeException e) {
            fail(what + ": accepted tree does not round-trip: " + e, e);
        }
    }
}
