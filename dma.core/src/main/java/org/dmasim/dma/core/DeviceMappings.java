package org.dmasim.dma.core;

import java.util.ArrayList;
import java.util.List;
import org.dmasim.api.dma.DmaDirection;

/**
 * The live streaming mappings of one device: per thread that maps for the device, one
 * {@link MappingTable} of {@link Mapping}s (everything that holds a backend: bounces, ops with an
 * instance, lists, resources) and one {@link DirectSingleTable} of the dma-direct single mappings
 * that hold nothing, so that a map and its unmap on the same thread (the common case: a driver's
 * submission path) change a table with plain release stores, no lock, no compare-and-set and, for
 * the direct case, no allocation.
 *
 * <p>A thread finds its own shard in {@link #shards} by identity (a handful of entries: the
 * threads that ever mapped for this device); a new thread takes the shard of a thread that died,
 * or adds one. An unmap looks in the calling thread's shard first, then in the others (a mapping
 * unmapped on another thread than the one that made it, as a completion path does). Lookups that
 * are not on the hot path (syncs, views, revocation, refusals) visit every shard and see a direct
 * entry as a {@link Mapping} made for the occasion ({@link #view}), whose removal removes the entry.
 *
 * <p>Each thread's {@link DirectSingleTable} has a front slot ({@link FrontSlot}) for the thread's
 * direct single mapping while the thread has nothing else outstanding for the device (a map and
 * its unmap before the next map): its words are in the thread's own table object, which no other
 * thread reads on its fast paths, so two threads mapping for one device write no line the other
 * reads.
 */
final class DeviceMappings {
    /** The tables of one thread, the only one that inserts into them. */
    private record Shard(Thread owner, MappingTable table, DirectSingleTable singles) {
    }

    /** Stands for "no shard yet" in {@link #first}: its owner is no thread. */
    private static final Shard NONE = new Shard(null, null, null);

    private final Device dev;
    private volatile Shard[] shards = new Shard[0];
    /** {@code shards[0]}, or {@link #NONE}: one load and one test on the map and unmap fast paths. */
    private volatile Shard first = NONE;

    DeviceMappings(Device dev) {
        this.dev = dev;
    }

    /** The calling thread's shard (small enough to inline: the first shard, most often). */
    private Shard mine() {
        Shard f = first;
        Thread me = Thread.currentThread();
        return f.owner == me ? f : find(shards, me);
    }

    private Shard find(Shard[] all, Thread me) {
        for (Shard s : all) {
            if (s.owner == me) {
                return s;
            }
        }
        return adopt(me);
    }

    private synchronized Shard adopt(Thread me) {
        Shard[] now = shards;
        for (int i = 0; i < now.length; i++) {
            if (now[i].owner == me) {
                return now[i];
            }
            if (!now[i].owner.isAlive()) {
                Shard[] next = now.clone();
                next[i] = new Shard(me, now[i].table, now[i].singles);
                publish(next);
                return next[i];
            }
        }
        Shard[] next = java.util.Arrays.copyOf(now, now.length + 1);
        next[now.length] = new Shard(me, new MappingTable(), new DirectSingleTable());
        publish(next);
        return next[now.length];
    }

    private void publish(Shard[] next) {
        shards = next;
        first = next[0];
    }

    /** Records a dma-direct single mapping that holds nothing, in the calling thread's shard. */
    void addDirectSingle(long dma, long phys, long size, DmaDirection dir, long attrs) {
        Shard s = mine();
        DirectSingleTable t = s.singles;
        if (t.frontFree() && (!t.tablesBusy() || tablesEmpty(s))) {
            t.addFront(dma, phys, size, dir, attrs);
            return;
        }
        t.add(dma, phys, size, dir, attrs);
        t.ownerAddedAt(dma);
    }

    /** The owner of {@code s}: whether both its tables are empty (and so no longer busy). */
    private static boolean tablesEmpty(Shard s) {
        if (s.singles.ownerEmpty() && s.table.ownerEmpty()) {
            s.singles.tablesIdle();
            return true;
        }
        return false;
    }

    /**
     * The unmap fast path of a direct single mapping: removes it when it is the only mapping at
     * {@code dma} in the calling thread's shard and of {@code size}; false (nothing changes) otherwise.
     */
    boolean takeDirectSingle(long dma, long size) {
        Shard s = mine();
        DirectSingleTable t = s.singles;
        // No hashed direct entry at all (a thread whose mappings are all held ones, an IOMMU's):
        // nothing but the front can match, and no probe of either table is needed.
        return t.takeFront(dma, size) || !t.ownerEmpty() && !s.table.ownerSeesAnyAt(dma) && t.takeOwn(dma, size);
    }

    /** A direct entry as a {@link Mapping}: what views and slow paths work with. */
    private Mapping view(DirectSingleTable t, DirectSingleTable.Entry e) {
        Mapping m = new Mapping(dev, Mapping.Kind.SINGLE, e.phys(), e.size(), e.dir(), e.attrs(), dev.directOps(),
            null, 0);
        m.dmaHandle = e.dma();
        m.compact = new DirectSingleTable.Stamp(t, e.ctrl());
        return m;
    }

    /** The mappings of one shard at {@code dma}: its objects, then its direct entries. */
    private List<Mapping> at(Shard s, long dma) {
        List<Mapping> out = new ArrayList<>(List.of(s.table.at(dma)));
        for (DirectSingleTable.Entry e : s.singles.at(dma)) {
            out.add(view(s.singles, e));
        }
        return out;
    }

    /** Registers a mapping (under each DMA segment's address, for a list) in the calling thread's table. */
    void add(Mapping m) {
        Shard s = mine();
        MappingTable t = s.table;
        if (m.kind == Mapping.Kind.SG) {
            for (int i = 0; i < m.sgMappedEnts(); i++) {
                t.addSegment(m.sg().dmaAddress(i), m);
                s.singles.ownerAddedAt(m.sg().dmaAddress(i));
            }
        } else {
            t.add(m);
            s.singles.ownerAddedAt(m.dmaHandle);
        }
    }

    /** Unregisters a mapping wherever it is; false when another call removed it first. */
    boolean remove(Mapping m) {
        if (m.compact != null) {
            return m.compact.table().remove(m.dmaHandle, m.compact.ctrl());
        }
        boolean any = false;
        for (Shard s : shards) {
            if (m.kind != Mapping.Kind.SG) {
                if (s.table.remove(m.dmaHandle, m)) {
                    return true;
                }
                continue;
            }
            for (int i = 0; i < m.sgMappedEnts(); i++) {
                any |= s.table.remove(m.sg().dmaAddress(i), m);
            }
        }
        return any;
    }

    /**
     * The unmap fast path of a {@link Mapping}: the only mapping at the address in a shard (the
     * caller's first), of {@code kind} and {@code size}, removed; null otherwise.
     */
    Mapping take(long dmaHandle, Mapping.Kind kind, long size) {
        Shard mine = mine();
        MappingTable own = mine.table;
        Mapping m = mine.singles.ownerSeesAnyAt(dmaHandle) ? null : own.takeSingle(dmaHandle, kind, size, true);
        if (m != null) {
            return m;
        }
        for (Shard s : shards) {
            if (s.table != own && !s.singles.anyAt(dmaHandle)
                && (m = s.table.takeSingle(dmaHandle, kind, size, false)) != null) {
                return m;
            }
        }
        return null;
    }

    /** Every mapping registered at the address, over all shards. */
    Mapping[] at(long dmaHandle) {
        List<Mapping> out = new ArrayList<>();
        for (Shard s : shards) {
            out.addAll(at(s, dmaHandle));
        }
        return out.toArray(new Mapping[0]);
    }

    /**
     * The mapping holding [addr, addr + size), or null: per shard, the one mapping registered at
     * {@code addr} when it holds the range, else the first that holds it.
     */
    Mapping containing(long addr, long size) {
        for (Shard s : shards) {
            List<Mapping> exact = at(s, addr);
            if (exact.size() == 1 && exact.get(0).contains(addr, size)) {
                return exact.get(0);
            }
            for (Mapping m : s.table.all()) {
                if (m.contains(addr, size)) {
                    return m;
                }
            }
            for (DirectSingleTable.Entry e : s.singles.all()) {
                if (e.contains(addr, size)) {
                    return view(s.singles, e);
                }
            }
        }
        return null;
    }

    /** Every mapping once, shard by shard (objects, then direct entries); weakly consistent. */
    List<Mapping> all() {
        List<Mapping> out = new ArrayList<>();
        for (Shard s : shards) {
            out.addAll(s.table.all());
            for (DirectSingleTable.Entry e : s.singles.all()) {
                out.add(view(s.singles, e));
            }
        }
        return out;
    }
}
