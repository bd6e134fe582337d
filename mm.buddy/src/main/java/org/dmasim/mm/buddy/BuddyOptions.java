package org.dmasim.mm.buddy;

import java.util.function.Consumer;

/**
 * Build and sysctl choices that change what the allocator does or prints. The defaults are
 * Debian 12's 6.1 arm64 kernel on one node with one CPU ({@link #withKernel} for another); an x86_64 Debian kernel is
 * {@code defaults().withCmaConfigured(false)}.
 *
 * @param nodeId the NUMA node id printed in /proc ({@code Node %d})
 * @param nrCpus possible (= online) CPUs: one pcp pageset per CPU and zone ({@code SimCpu.current()}
 *     is taken modulo this), splits pcp {@code high}, sizes the vmstat threshold in zoneinfo
 * @param cmaConfigured CONFIG_CMA: MIGRATE_CMA exists (pagetypeinfo column, ALLOC_CMA)
 * @param numa CONFIG_NUMA: zoneinfo prints the numa_* event lines
 * @param transparentHugepage THP enabled at boot: khugepaged raises min_free_kbytes
 *     ({@code set_recommended_min_free_kbytes}) after the first watermark setup
 * @param minFreeKbytes {@code vm.min_free_kbytes} set by the user, or -1 to compute it
 * @param watermarkScaleFactor {@code vm.watermark_scale_factor} (default 10)
 * @param comm the task name printed in allocation-failure warnings ({@code current->comm}; "dmasim")
 * @param warningSink receives every warning line (also kept in {@link BuddyAllocator#warnings()});
 *     null to only keep them
 * @param kernel the kernel's mm rules (GFP table, reserve rights, order limit's name)
 */
public record BuddyOptions(int nodeId, int nrCpus, boolean cmaConfigured, boolean numa,
    boolean transparentHugepage, int minFreeKbytes, int watermarkScaleFactor, String comm,
    Consumer<String> warningSink, MmKernel kernel) {

    public BuddyOptions {
        if (nodeId < 0 || nrCpus < 1 || watermarkScaleFactor < 1 || watermarkScaleFactor > 3000) {
            throw new IllegalArgumentException("buddy options: need nodeId >= 0, nrCpus >= 1, "
                + "1 <= watermark_scale_factor <= 3000 (the sysctl's range)");
        }
        if (minFreeKbytes < -1) {
            throw new IllegalArgumentException("buddy options: min_free_kbytes must be >= 0 (or -1 = compute)");
        }
        comm = comm == null ? "dmasim" : comm;
        java.util.Objects.requireNonNull(kernel, "kernel");
    }

    public static BuddyOptions defaults() {
        return new BuddyOptions(0, 1, true, true, false, -1, 10, "dmasim", null,
            MmKernel.of(org.dmasim.api.platform.Kconfig.defaultKernel()));
    }

    public BuddyOptions withKernel(MmKernel v) {
        return new BuddyOptions(nodeId, nrCpus, cmaConfigured, numa, transparentHugepage, minFreeKbytes,
            watermarkScaleFactor, comm, warningSink, v);
    }

    public BuddyOptions withNodeId(int v) {
        return new BuddyOptions(v, nrCpus, cmaConfigured, numa, transparentHugepage, minFreeKbytes,
            watermarkScaleFactor, comm, warningSink, kernel);
    }

    public BuddyOptions withNrCpus(int v) {
        return new BuddyOptions(nodeId, v, cmaConfigured, numa, transparentHugepage, minFreeKbytes,
            watermarkScaleFactor, comm, warningSink, kernel);
    }

    public BuddyOptions withCmaConfigured(boolean v) {
        return new BuddyOptions(nodeId, nrCpus, v, numa, transparentHugepage, minFreeKbytes,
            watermarkScaleFactor, comm, warningSink, kernel);
    }

    public BuddyOptions withNuma(boolean v) {
        return new BuddyOptions(nodeId, nrCpus, cmaConfigured, v, transparentHugepage, minFreeKbytes,
            watermarkScaleFactor, comm, warningSink, kernel);
    }

    public BuddyOptions withTransparentHugepage(boolean v) {
        return new BuddyOptions(nodeId, nrCpus, cmaConfigured, numa, v, minFreeKbytes,
            watermarkScaleFactor, comm, warningSink, kernel);
    }

    public BuddyOptions withMinFreeKbytes(int v) {
        return new BuddyOptions(nodeId, nrCpus, cmaConfigured, numa, transparentHugepage, v,
            watermarkScaleFactor, comm, warningSink, kernel);
    }

    public BuddyOptions withWatermarkScaleFactor(int v) {
        return new BuddyOptions(nodeId, nrCpus, cmaConfigured, numa, transparentHugepage, minFreeKbytes,
            v, comm, warningSink, kernel);
    }

    public BuddyOptions withComm(String v) {
        return new BuddyOptions(nodeId, nrCpus, cmaConfigured, numa, transparentHugepage, minFreeKbytes,
            watermarkScaleFactor, v, warningSink, kernel);
    }

    public BuddyOptions withWarningSink(Consumer<String> v) {
        return new BuddyOptions(nodeId, nrCpus, cmaConfigured, numa, transparentHugepage, minFreeKbytes,
            watermarkScaleFactor, comm, v, kernel);
    }
}
