package org.dmasim.dmapool;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.dmasim.api.backend.BackendInstance;
import org.dmasim.api.backend.Revoker;
import org.dmasim.api.device.DmaDevice;
import org.dmasim.api.dma.DmaApi;
import org.dmasim.api.dmapool.DmaPool;
import org.dmasim.api.dmapool.DmaPoolBackend;
import org.dmasim.api.dmapool.DmaPoolEngine;
import org.dmasim.api.dmapool.DmaPoolHost;
import org.dmasim.api.dmapool.DmaPools;
import org.dmasim.api.platform.BootLog;

/**
 * The dma_pool service of one platform: picks the backend for new pools, keeps each device's
 * pool list ({@code dev->dma_pools}, newest first, behind {@code pools_lock}) and the devres
 * entries of managed pools, and renders the sysfs {@code pools} file.
 *
 * <p>Lock order: the pool list lock, then a pool's own lock (as {@code pools_show} takes
 * {@code pools_lock} then each pool's spinlock); no pool ever calls back into this class, so
 * the order cannot invert.
 */
final class DmaPoolsService implements DmaPools, DmaPoolHost, Revoker {
    private final DmaApi dma;
    private final BootLog log;
    private final boolean debug;
    private final Backends backends;
    private volatile String active;
    private final Object poolsLock = new Object();
    private final Map<String, Deque<PoolHandle>> byDevice = new HashMap<>();
    private final Map<String, Deque<PoolHandle>> devres = new HashMap<>();
    private final List<PoolHandle> all = new ArrayList<>();
    /** The backend instance this service is (null until the platform started it): each pool holds it. */
    private volatile BackendInstance instance;

    DmaPoolsService(DmaApi dma, BootLog log, boolean debug, Backends backends, String version) {
        this.dma = dma;
        this.log = log;
        this.debug = debug;
        this.backends = backends;
        this.active = version;
    }

    /** The platform started this service as {@code instance}: from now on each pool is one of its holdings. */
    void attach(BackendInstance instance) {
        this.instance = instance;
    }

    /** The pools this service holds now. */
    int live() {
        synchronized (poolsLock) {
            return all.size();
        }
    }

    @Override
    public void revoke(BackendInstance forced, java.util.function.Consumer<String> report) {
        if (forced != instance) {
            return;
        }
        List<PoolHandle> gone;
        synchronized (poolsLock) {
            gone = new ArrayList<>(all);
            all.clear();
            byDevice.clear();
            devres.clear();
        }
        for (PoolHandle p : gone) {
            p.revoke(forced.id());
            report.accept("dmasim: " + KernelFmt.devPrefix(p.device()) + "dma_pool " + p.name() + " revoked with "
                + p.blocksInUse() + " blocks in use: " + forced.id() + " was forced out; its " + p.pages()
                + " chunks stay allocated");
        }
    }

    @Override
    public Optional<DmaPool> create(String name, DmaDevice dev, long size, long align, long boundary) {
        return create(name, dev, size, align, boundary, false);
    }

    @Override
    public Optional<DmaPool> createManaged(String name, DmaDevice dev, long size, long align, long boundary) {
        return create(name, dev, size, align, boundary, true);
    }

    private Optional<DmaPool> create(String name, DmaDevice dev, long size, long align, long boundary,
        boolean managed) {
        String version = active;
        DmaPoolBackend backend = backends.get(version).orElseThrow(() -> new IllegalStateException(
            "dma_pool_create " + name + ": the active dma_pool backend " + version + " is no longer registered"
                + " (registered: " + String.join(", ", backends.versions()) + "; switch with useBackend)"));
        BackendInstance serving = instance;
        if (serving != null && !serving.tryHold()) {
            throw new IllegalStateException("dma_pool_create " + name + ": this dma_pool service (" + serving.id()
                + ") is " + serving.state() + " and takes no new pools; the platform's current DmaPools does");
        }
        Optional<DmaPoolEngine> engine;
        try {
            engine = backend.create(this, name, dev, size, align, boundary);
        } catch (RuntimeException e) {
            if (serving != null) {
                serving.unhold();
            }
            throw e;
        }
        if (engine.isEmpty()) {
            if (serving != null) {
                serving.unhold();
            }
            return Optional.empty();
        }
        PoolHandle pool = new PoolHandle(this, engine.get(), backend.version(), managed, serving != null);
        synchronized (poolsLock) {
            byDevice.computeIfAbsent(dev.name(), k -> new ArrayDeque<>()).addFirst(pool);
            all.add(pool);
            if (managed) {
                devres.computeIfAbsent(dev.name(), k -> new ArrayDeque<>()).addFirst(pool);
            }
        }
        return Optional.of(pool);
    }

    /** {@code dma_pool_destroy}: off the device's list first, then the backend frees. */
    void destroy(PoolHandle pool) {
        if (pool.managed() && !pool.engine.destroyed()) {
            String line = KernelFmt.devPrefix(pool.device()) + "dma_pool_destroy " + pool.name()
                + ": pool was created with dmam_pool_create [dmasim: refused; destroy it with dmam_pool_destroy or"
                + " let the driver detach release it, otherwise devres would destroy it a second time]";
            log.dmasim(line);
            throw new IllegalArgumentException(line);
        }
        unlink(pool);
        pool.engine.destroy();
        unhold(pool);
    }

    /** A pool is gone: one holding fewer (the last one of a draining service releases it). */
    private void unhold(PoolHandle pool) {
        BackendInstance serving = instance;
        if (pool.held && serving != null) {
            serving.unhold();
        }
    }

    private void unlink(PoolHandle pool) {
        synchronized (poolsLock) {
            String dev = pool.device().name();
            Deque<PoolHandle> list = byDevice.get(dev);
            if (list != null) {
                list.remove(pool);
                if (list.isEmpty()) {
                    byDevice.remove(dev);
                }
            }
            all.remove(pool);
        }
    }

    @Override
    public void destroyManaged(DmaPool pool) {
        PoolHandle handle = pool instanceof PoolHandle h && h.owner == this ? h : null;
        synchronized (poolsLock) {
            Deque<PoolHandle> entries = handle == null ? null : devres.get(handle.device().name());
            if (entries == null || !entries.remove(handle)) {
                String line = "dmam_pool_destroy " + pool.name() + ": not a live pool made by dmam_pool_create on"
                    + " this platform [dmasim: refused; the kernel WARNs in devres_release and destroys nothing]";
                log.dmasim(line);
                throw new IllegalArgumentException(line);
            }
        }
        unlink(handle);
        handle.engine.destroy();
        unhold(handle);
    }

    @Override
    public int releaseManaged(DmaDevice dev) {
        List<PoolHandle> release;
        synchronized (poolsLock) {
            Deque<PoolHandle> entries = devres.remove(dev.name());
            release = entries == null ? List.of() : new ArrayList<>(entries);
        }
        for (PoolHandle pool : release) {
            unlink(pool);
            pool.engine.destroy();
            unhold(pool);
        }
        return release.size();
    }

    @Override
    public Optional<String> poolsFile(DmaDevice dev) {
        synchronized (poolsLock) {
            Deque<PoolHandle> list = byDevice.get(dev.name());
            if (list == null || list.isEmpty()) {
                return Optional.empty();
            }
            StringBuilder out = new StringBuilder("poolinfo - 0.1\n");
            for (PoolHandle pool : list) {
                out.append(pool.engine.poolsLine()).append('\n');
            }
            return Optional.of(out.toString());
        }
    }

    @Override
    public List<DmaPool> pools() {
        synchronized (poolsLock) {
            return List.copyOf(all);
        }
    }

    @Override
    public List<DmaPool> pools(DmaDevice dev) {
        synchronized (poolsLock) {
            Deque<PoolHandle> list = byDevice.get(dev.name());
            return list == null ? List.of() : List.copyOf(list);
        }
    }

    @Override
    public String backendVersion() {
        return active;
    }

    @Override
    public List<String> backendVersions() {
        return backends.versions();
    }

    @Override
    public void useBackend(String version) {
        if (version == null || backends.get(version).isEmpty()) {
            throw new IllegalArgumentException("dma_pool backend: " + version + " (expected: one of "
                + String.join(", ", backends.versions()) + ")");
        }
        active = version;
    }

    @Override
    public List<String> dmapoolTest(int rounds) {
        return DmapoolTest.run(this, dma, log, rounds);
    }

    @Override
    public DmaApi dma() {
        return dma;
    }

    @Override
    public BootLog log() {
        return log;
    }

    @Override
    public boolean debug() {
        return debug;
    }
}
