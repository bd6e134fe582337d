package org.dmasim.atomicpool;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.LongPredicate;
import org.dmasim.api.mem.KernelVm;
import org.dmasim.api.mm.Gfp;
import org.dmasim.api.platform.BootLog;
import org.dmasim.api.pool.AtomicPools;

/**
 * The atomic pools of one platform at run time ({@code kernel/dma/pool.c}, Linux 6.1.y).
 *
 * <p><b>Pool choice.</b> {@code dma_guess_pool(prev, gfp)} of 6.1 picks the first pool from
 * the GFP zone bits and then walks a fixed successor chain that only ever moves towards
 * <em>lower</em> memory: first = dma32 if ZONE_DMA32 is configured and the GFP has
 * __GFP_DMA32 (even when that pool failed to be created), else dma if it exists and the GFP
 * has __GFP_DMA, else kernel; successor of kernel = dma32 if it exists else dma; of dma32 = dma;
 * of dma = none. So with all three pools: GFP_DMA tries dma only; GFP_DMA32 tries dma32 then
 * dma; no zone bit tries kernel, dma32, dma. (The "dma → dma32 → kernel" order of the `?:`
 * chains belongs to a much later rework, not to 6.1.)
 *
 * <p><b>Allocation</b> ({@code dma_alloc_from_pool}): in each pool {@code gen_pool_alloc}; a
 * block whose physical address the caller's {@code phys_addr_ok} rejects is freed again and the
 * next pool tried. An accepted block schedules the expansion work when that pool's available
 * bytes are below {@code atomic_pool_size}, and is zeroed through its CPU alias. When every pool
 * tried failed: {@code WARN(!(gfp & __GFP_NOWARN), "DMA pool exhausted for %s\n")}; when the
 * first guess is already no pool: {@code WARN(1, "Failed to get suitable pool for %s\n")} (the
 * split came to 6.1.y with the backport of "dma/pool: distinguish between missing and exhausted
 * atomic pools"; the oracle kernel 6.1.192 prints it). A WARN prints a cut-here line, the
 * message, then {@code WARNING: CPU: n PID: n at kernel/dma/pool.c:...}, registers and a call
 * trace; dmasim logs only the message line, at warning level, since the rest describes the
 * machine state of a real CPU.
 *
 * <p><b>Free</b> ({@code dma_free_from_pool}): the pools are visited in the order of
 * {@code dma_guess_pool(prev, 0)} (kernel, dma32, dma; nothing at all if the kernel pool is
 * missing, as in the kernel), the first whose chunk holds the address frees it.
 *
 * <p><b>Expansion</b> ({@code atomic_pool_work_fn}): a work item on a single simulated worker
 * thread owned by this object. Scheduling while the work is pending does nothing
 * ({@code schedule_work} on a pending work_struct); the pending flag is cleared just before the
 * work runs. The work visits dma, dma32 and kernel, and each pool whose available bytes are
 * below {@code atomic_pool_size} gets a new chunk of the pool's current total size (so the pool
 * doubles; a chunk is at most MAX_ORDER - 1 = 4 MiB) with GFP_KERNEL plus the pool's zone bit,
 * which may sleep and so may use CMA. A failed expansion is silent, as in the kernel. Pools
 * never shrink.
 *
 * <p><b>debugfs</b> {@code dma_pools/}: {@code pool_size_dma}, {@code pool_size_dma32},
 * {@code pool_size_kernel}, created unconditionally by {@code dma_atomic_pool_debugfs_init}
 * ({@code debugfs_create_ulong}, "%llu\n"); each counts the bytes added to the pool of that
 * GFP zone ({@code dma_atomic_pool_size_add}), so a pool that does not exist reads 0.
 */
final class AtomicPoolsImpl implements AtomicPools, AutoCloseable {
    private final long atomicPoolSize;
    private final AtomicPool kernel;
    private final AtomicPool dma;
    private final AtomicPool dma32;
    private final boolean zoneDma32;
    private final PoolExpander expander;
    private final KernelVm vm;
    private final BootLog log;

    private final AtomicLong poolSizeDma = new AtomicLong();
    private final AtomicLong poolSizeDma32 = new AtomicLong();
    private final AtomicLong poolSizeKernel = new AtomicLong();

    private final AtomicBoolean workPending = new AtomicBoolean();
    private final AtomicReference<RuntimeException> workFailure = new AtomicReference<>();
    private final ExecutorService worker;

    /**
     * @param kernel, dma, dma32 the pools boot created (null when absent)
     * @param zoneDma32 CONFIG_ZONE_DMA32 (dma_guess_pool returns the dma32 pool for
     *     __GFP_DMA32 whenever the zone is configured, even if the pool is missing)
     */
    AtomicPoolsImpl(String platform, long atomicPoolSize, AtomicPool kernel, AtomicPool dma, AtomicPool dma32,
        boolean zoneDma32, PoolExpander expander, KernelVm vm, BootLog log) {
        this.atomicPoolSize = atomicPoolSize;
        this.kernel = kernel;
        this.dma = dma;
        this.dma32 = dma32;
        this.zoneDma32 = zoneDma32;
        this.expander = expander;
        this.vm = vm;
        this.log = log;
        for (AtomicPool p : new AtomicPool[] {kernel, dma, dma32}) {
            if (p != null) {
                sizeCounter(p.gfp()).addAndGet(p.gen().size());
            }
        }
        this.worker = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "dmasim-atomic-pool-work-" + platform);
            // A daemon: a platform that is never closed must not keep the JVM alive.
            t.setDaemon(true);
            return t;
        });
    }

    /** {@code dma_atomic_pool_size_add}: the counter of the GFP's zone. */
    private AtomicLong sizeCounter(int gfp) {
        if ((gfp & Gfp.__GFP_DMA) != 0) {
            return poolSizeDma;
        }
        if ((gfp & Gfp.__GFP_DMA32) != 0) {
            return poolSizeDma32;
        }
        return poolSizeKernel;
    }

    /** {@code dma_guess_pool(prev, gfp)} of 6.1; null ends the walk. */
    AtomicPool guess(AtomicPool prev, int gfp) {
        if (prev == null) {
            if (zoneDma32 && (gfp & Gfp.GFP_DMA32) != 0) {
                return dma32;
            }
            if (dma != null && (gfp & Gfp.GFP_DMA) != 0) {
                return dma;
            }
            return kernel;
        }
        if (prev == kernel) {
            return dma32 != null ? dma32 : dma;
        }
        if (prev == dma32) {
            return dma;
        }
        return null;
    }

    @Override
    public Optional<Block> alloc(String device, long size, int gfp, LongPredicate physOk) {
        Objects.requireNonNull(device, "dma_alloc_from_pool: device name");
        if (size < 0) {
            throw new IllegalArgumentException("dma_alloc_from_pool(" + device + ", " + size
                + "): negative size (size_t cannot be negative)");
        }
        boolean poolFound = false;
        AtomicPool pool = null;
        while ((pool = guess(pool, gfp)) != null) {
            poolFound = true;
            Block b = allocFrom(pool, size, physOk);
            if (b != null) {
                return Optional.of(b);
            }
        }
        if (poolFound) {
            if ((gfp & Gfp.__GFP_NOWARN) == 0) {
                log.warn("DMA pool exhausted for " + device);
            }
        } else {
            log.warn("Failed to get suitable pool for " + device);
        }
        return Optional.empty();
    }

    /** {@code __dma_alloc_from_pool}. */
    private Block allocFrom(AtomicPool pool, long size, LongPredicate physOk) {
        GenPool gen = pool.gen();
        long addr = gen.alloc(size);
        if (addr == 0) {
            return null;
        }
        long phys = gen.virtToPhys(addr);
        if (physOk != null && !physOk.test(phys)) {
            gen.free(addr, size);
            return null;
        }
        if (gen.avail() < atomicPoolSize) {
            scheduleWork();
        }
        vm.cpuFill(addr, size, (byte) 0);
        return new Block(phys, addr, size, pool.name());
    }

    @Override
    public boolean free(long cpuAddr, long size) {
        AtomicPool pool = null;
        while ((pool = guess(pool, 0)) != null) {
            // dmasim: an address inside a chunk must be freed exactly as allocated, so the
            // range check (gen_pool_has_addr) is left to GenPool.free, which rejects a block
            // that runs past its chunk instead of reporting "not in this pool".
            if (!pool.gen().hasAddr(cpuAddr, 1)) {
                continue;
            }
            pool.gen().free(cpuAddr, size);
            return true;
        }
        return false;
    }

    @Override
    public boolean contains(long cpuAddr) {
        AtomicPool pool = null;
        while ((pool = guess(pool, 0)) != null) {
            if (pool.gen().hasAddr(cpuAddr, 1)) {
                return true;
            }
        }
        return false;
    }

    @Override
    public long atomicPoolSize() {
        return atomicPoolSize;
    }

    /** The pools in creation order: kernel, dma, dma32 (absent ones left out). */
    List<AtomicPool> existing() {
        List<AtomicPool> out = new ArrayList<>();
        for (AtomicPool p : new AtomicPool[] {kernel, dma, dma32}) {
            if (p != null) {
                out.add(p);
            }
        }
        return out;
    }

    Optional<AtomicPool> pool(String name) {
        return existing().stream().filter(p -> p.name().equals(name)).findFirst();
    }

    @Override
    public List<PoolInfo> pools() {
        List<PoolInfo> out = new ArrayList<>();
        for (AtomicPool p : existing()) {
            out.add(new PoolInfo(p.name(), p.gfp(), p.gen().size(), p.gen().avail()));
        }
        return out;
    }

    @Override
    public Map<String, String> debugfs() {
        Map<String, String> files = new LinkedHashMap<>();
        files.put("pool_size_dma", Long.toUnsignedString(poolSizeDma.get()) + "\n");
        files.put("pool_size_dma32", Long.toUnsignedString(poolSizeDma32.get()) + "\n");
        files.put("pool_size_kernel", Long.toUnsignedString(poolSizeKernel.get()) + "\n");
        return files;
    }

    /** {@code schedule_work(&atomic_pool_work)}: queues the work unless it is already pending. */
    private void scheduleWork() {
        if (!workPending.compareAndSet(false, true)) {
            return;
        }
        try {
            worker.execute(() -> {
                workPending.set(false);
                try {
                    workFn();
                } catch (RuntimeException e) {
                    // A bug in a collaborator (vmap, CMA, buddy): keep it for flushWorker().
                    workFailure.compareAndSet(null, e);
                    log.dmasim("atomic_pool_work_fn failed: " + e);
                }
            });
        } catch (RejectedExecutionException closed) {
            workPending.set(false);
        }
    }

    /** {@code atomic_pool_work_fn}: dma, dma32, kernel, in that order. */
    void workFn() {
        resize(dma);
        resize(dma32);
        resize(kernel);
    }

    /** {@code atomic_pool_resize}: grow by the pool's current size when below the threshold. */
    private void resize(AtomicPool pool) {
        if (pool != null && pool.gen().avail() < atomicPoolSize) {
            long before = pool.gen().size();
            if (expander.expand(pool, before)) {
                sizeCounter(pool.gfp()).addAndGet(pool.gen().size() - before);
            }
        }
    }

    /**
     * Waits until the work queued before this call has run ({@code flush_work}).
     *
     * @throws IllegalStateException when a work run failed with an exception (a simulator bug in
     *     a collaborator), carrying it as the cause
     */
    @Override
    public void flushWorker() {
        Future<?> barrier;
        try {
            barrier = worker.submit(() -> { });
        } catch (RejectedExecutionException closed) {
            return;
        }
        try {
            barrier.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("flushWorker: interrupted while waiting for atomic_pool_work", e);
        } catch (ExecutionException e) {
            throw new IllegalStateException("flushWorker: barrier failed", e.getCause());
        }
        RuntimeException failure = workFailure.getAndSet(null);
        if (failure != null) {
            throw new IllegalStateException("atomic_pool_work_fn failed", failure);
        }
    }

    /** Stops the worker: queued work is still run, later schedule_work calls are dropped. */
    @Override
    public void close() {
        worker.shutdown();
        try {
            if (!worker.awaitTermination(10, TimeUnit.SECONDS)) {
                worker.shutdownNow();
            }
        } catch (InterruptedException e) {
            worker.shutdownNow();
            Thread.currentThread().interrupt();
        }
    }

    /** How the instance view names it: each pool and its size. */
    String description() {
        List<String> each = new ArrayList<>();
        for (AtomicPool p : existing()) {
            each.add(p.name() + " " + (p.gen().size() >>> 10) + " KiB");
        }
        return each.isEmpty() ? "no atomic pools" : "atomic pools: " + String.join(", ", each);
    }

    /**
     * The instance holds nothing any more: the worker stops and every chunk goes back. A pool
     * that still has blocks out (its instance was forced out with live buffers) keeps its chunks,
     * leaked as the kernel would leak them, so that memory a driver may still touch is never
     * handed to someone else.
     */
    void release() {
        close();
        for (AtomicPool p : existing()) {
            if (p.gen().avail() != p.gen().size()) {
                log.dmasim(String.format("atomic_pool_%s: %d bytes still allocated at release; its chunks stay"
                    + " allocated (leaked)", p.name(), p.gen().size() - p.gen().avail()));
                continue;
            }
            for (AtomicPool.ChunkRecord c : p.chunksAdded()) {
                expander.giveBack(c);
            }
        }
    }

    @Override
    public String toString() {
        return "atomic pools " + pools();
    }
}
