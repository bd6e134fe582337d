package org.dmasim.dma.core.debug;

import java.util.Map;
import java.util.Set;
import org.dmasim.api.dma.DmaDirection;
import org.dmasim.api.platform.ByKernel;
import org.dmasim.api.platform.KernelVersion;

/**
 * What {@code kernel/dma/debug.c} prints differently per kernel version, in one place: one object
 * per version, picked by the platform's kernel ({@link #of}). The checks themselves are the same
 * code in the versions dmasim models. Adding a kernel is adding its entry in {@link #BY_KERNEL}.
 *
 * <ul>
 * <li>{@code type2name}: 6.1 (and 6.6) spell the scatter-gather type {@code scather-gather};
 *     6.12 fixed it to {@code scatter-gather}.</li>
 * <li>The {@code dump} file: 6.12 adds the entry's cacheline number, {@code cln=%pa}, between the
 *     length and the direction.</li>
 * </ul>
 */
public abstract class DebugRules {
    private static final ByKernel<DebugRules> BY_KERNEL = ByKernel.of("DMA-API debugging", Map.of(
        "6.1", new DebugRules() {
            @Override
            public String typeName(EntryType type) {
                return type == EntryType.SG ? "scather-gather" : defaultName(type);
            }

            @Override
            String cacheline(long cln) {
                return "";
            }
        },
        "6.12", new DebugRules() {
            @Override
            public String typeName(EntryType type) {
                return type == EntryType.SG ? "scatter-gather" : defaultName(type);
            }

            @Override
            String cacheline(long cln) {
                return String.format(" cln=0x%016x", cln);
            }
        }));

    private DebugRules() {
    }

    /**
     * The rules of a kernel version.
     *
     * @throws org.dmasim.api.platform.InvalidInputException for a kernel dmasim does not model,
     *     naming the ones it does
     */
    public static DebugRules of(KernelVersion kernel) {
        return BY_KERNEL.get(kernel);
    }

    /** The kernels with rules ({@link org.dmasim.api.boot.BootParticipant#kernels()}). */
    public static Set<KernelVersion> kernels() {
        return BY_KERNEL.kernels();
    }

    /** {@code type2name[type]}. */
    public abstract String typeName(EntryType type);

    /** What the dump line carries between {@code L=} and the direction. */
    abstract String cacheline(long cln);

    private static String defaultName(EntryType type) {
        return switch (type) {
            case SINGLE -> "single";
            case COHERENT -> "coherent";
            case RESOURCE -> "resource";
            case SG -> throw new IllegalStateException("per version");
        };
    }

    /** {@code dir2name[dir]}. */
    static String dirName(DmaDirection dir) {
        return dir.kernelName();
    }

    /**
     * One line of {@code dma-api/dump} ({@code dump_show}): driver, device, type, bucket, physical
     * address, pfn, bus address, length, direction, map-error state.
     */
    String dumpLine(DebugEntry e, int bucket) {
        return String.format("%s %s %s idx %d P=%x N=%x D=%x L=%x%s %s %s", e.dev.driverString(), e.dev.name(),
            typeName(e.type), bucket, e.physAddr(), e.pfn, e.devAddr, e.size, cacheline(e.cacheline()),
            dirName(e.dir), e.mapErr.text);
    }
}
