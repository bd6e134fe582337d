package org.dmasim.platform.mem;

/**
 * The ways to reach RAM that {@link DataCache} offers, each a {@link PagedMemory} whose chunk
 * operations are the cache's: the CPU through a cacheable mapping, the CPU through a
 * non-cacheable one, and a device port that snoops the cache or does not.
 */
final class CacheViews {
    private CacheViews() {
    }

    /** Common part: RAM's extents and checks. */
    private abstract static class View extends PagedMemory {
        final DataCache cache;

        View(DataCache cache) {
            this.cache = cache;
        }

        @Override
        void check(String what, long phys, long len) {
            cache.sparseRam().check(what, phys, len);
        }

        @Override
        public boolean isRam(long phys, long len) {
            return cache.sparseRam().isRam(phys, len);
        }

        @Override
        public long materialisedPages() {
            return cache.sparseRam().materialisedPages();
        }
    }

    /** Loads and stores through a cacheable mapping (MT_NORMAL). */
    static final class Cpu extends View {
        Cpu(DataCache cache) {
            super(cache);
        }

        @Override
        void readChunk(long pfn, int in, byte[] dst, int off, int n) {
            cache.cpuRead(pfn, in, dst, off, n);
        }

        @Override
        void writeChunk(long pfn, int in, byte[] src, int off, int n) {
            cache.cpuStore(pfn, in, n, src, off, (byte) 0);
        }

        @Override
        void fillChunk(long pfn, int in, int n, byte value) {
            cache.cpuStore(pfn, in, n, null, 0, value);
        }

        @Override
        boolean copiesPageToPage() {
            return cache.copiesPageToPage();
        }

        @Override
        void copyChunk(long dstPfn, int dstIn, long srcPfn, int srcIn, int n, int loadedLine, int dstFrom,
            int dstTo, int srcFrom, int srcTo) {
            cache.cpuCopy(dstPfn, dstIn, srcPfn, srcIn, n, loadedLine, dstFrom, dstTo, srcFrom, srcTo);
        }
    }

    /** Loads and stores through a non-cacheable mapping (MT_NORMAL_NC, device memory). */
    static final class Uncached extends View {
        Uncached(DataCache cache) {
            super(cache);
        }

        @Override
        void readChunk(long pfn, int in, byte[] dst, int off, int n) {
            cache.behindRead(pfn, in, dst, off, n, false);
        }

        @Override
        void writeChunk(long pfn, int in, byte[] src, int off, int n) {
            cache.behindStore(pfn, in, n, src, off, (byte) 0);
        }

        @Override
        void fillChunk(long pfn, int in, int n, byte value) {
            cache.behindStore(pfn, in, n, null, 0, value);
        }
    }

    /** A bus master's port: snooping (coherent) or RAM only. */
    static final class Device extends View {
        private final boolean snoops;

        Device(DataCache cache, boolean snoops) {
            super(cache);
            this.snoops = snoops;
        }

        @Override
        void readChunk(long pfn, int in, byte[] dst, int off, int n) {
            if (snoops) {
                cache.snoopRead(pfn, in, dst, off, n);
            } else {
                cache.behindRead(pfn, in, dst, off, n, true);
            }
        }

        @Override
        void writeChunk(long pfn, int in, byte[] src, int off, int n) {
            store(pfn, in, n, src, off, (byte) 0);
        }

        @Override
        void fillChunk(long pfn, int in, int n, byte value) {
            store(pfn, in, n, null, 0, value);
        }

        private void store(long pfn, int in, int n, byte[] src, int off, byte value) {
            if (snoops) {
                cache.snoopStore(pfn, in, n, src, off, value);
            } else {
                cache.behindStore(pfn, in, n, src, off, value);
            }
        }
    }
}
