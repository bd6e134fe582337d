package org.dmasim.dma.core;

import java.util.ArrayList;
import java.util.List;

/**
 * The live streaming mappings of one device: one {@link MappingTable} per thread that maps for
 * the device, so that a map and its unmap on the same thread (the common case: a driver's
 * submission path) change the table with plain release stores, no lock and no compare-and-set.
 *
 * <p>A thread finds its own table in {@link #shards} by identity (a handful of entries: the
 * threads that ever mapped for this device); a new thread takes the table of a thread that died,
 * or adds one. An unmap looks in the calling thread's table first, then in the others (a mapping
 * unmapped on another thread than the one that made it, as a completion path does). Lookups that
 * are not on the hot path (syncs of part of a mapping, views, revocation) visit every table.
 */
final class DeviceMappings {
    /** A table and the thread that inserts into it. */
    private record Shard(Thread owner, MappingTable table) {
    }

    private volatile Shard[] shards = new Shard[0];

    /** The calling thread's table (small enough to inline: the first shard, most often). */
    private MappingTable mine() {
        Shard[] all = shards;
        Thread me = Thread.currentThread();
        return all.length > 0 && all[0].owner == me ? all[0].table : find(all, me);
    }

    private MappingTable find(Shard[] all, Thread me) {
        for (Shard s : all) {
            if (s.owner == me) {
                return s.table;
            }
        }
        return adopt(me);
    }

    private synchronized MappingTable adopt(Thread me) {
        Shard[] now = shards;
        for (int i = 0; i < now.length; i++) {
            if (now[i].owner == me) {
                return now[i].table;
            }
            if (!now[i].owner.isAlive()) {
                Shard[] next = now.clone();
                next[i] = new Shard(me, now[i].table);
                shards = next;
                return now[i].table;
            }
        }
        Shard[] next = java.util.Arrays.copyOf(now, now.length + 1);
        next[now.length] = new Shard(me, new MappingTable());
        shards = next;
        return next[now.length].table;
    }

    /** Registers a mapping (under each DMA segment's address, for a list) in the calling thread's table. */
    void add(Mapping m) {
        MappingTable t = mine();
        if (m.kind == Mapping.Kind.SG) {
            for (int i = 0; i < m.sgMappedEnts(); i++) {
                t.addSegment(m.sg().dmaAddress(i), m);
            }
        } else {
            t.add(m);
        }
    }

    /** Unregisters a mapping wherever it is; false when another call removed it first. */
    boolean remove(Mapping m) {
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

    /** The unmap fast path: the only {@code kind}/{@code size} mapping at the address, removed; null otherwise. */
    Mapping take(long dmaHandle, Mapping.Kind kind, long size) {
        MappingTable own = mine();
        Mapping m = own.takeSingle(dmaHandle, kind, size, true);
        if (m != null) {
            return m;
        }
        for (Shard s : shards) {
            if (s.table != own && (m = s.table.takeSingle(dmaHandle, kind, size, false)) != null) {
                return m;
            }
        }
        return null;
    }

    /** Every mapping registered at the address, over all tables. */
    Mapping[] at(long dmaHandle) {
        List<Mapping> out = new ArrayList<>();
        for (Shard s : shards) {
            out.addAll(List.of(s.table.at(dmaHandle)));
        }
        return out.toArray(new Mapping[0]);
    }

    /** The mapping holding [addr, addr + size), or null. */
    Mapping containing(long addr, long size) {
        for (Shard s : shards) {
            Mapping m = s.table.containing(addr, size);
            if (m != null) {
                return m;
            }
        }
        return null;
    }

    List<Mapping> all() {
        List<Mapping> out = new ArrayList<>();
        for (Shard s : shards) {
            out.addAll(s.table.all());
        }
        return out;
    }
}
