package org.dmasim.devices;

import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.dmasim.devices.api.BlockCompletion;
import org.dmasim.devices.api.BlockHw;
import org.dmasim.devices.api.BusMaster;
import org.dmasim.devices.api.DeviceError;
import org.dmasim.devices.api.DmaDescriptor;

/**
 * The scatter-gather block device's hardware: a medium of 512-byte sectors and a DMA engine that
 * follows a descriptor list.
 *
 * <p>Data layout: the medium is sparse, a map from sector number to its 512 bytes, holding only
 * sectors ever written with something; an unwritten sector reads as zeros. Requests wait in a FIFO
 * while the engine is stalled.
 *
 * <p>A request runs in two steps, as a controller parsing its PRD table first: (1) the whole list is
 * checked (a whole number of sectors, at most the device's transfer size, inside the medium, every
 * descriptor inside the engine's segment limits); a bad list completes REFUSED with nothing moved.
 * (2) The bytes move: a write gathers the descriptors' bytes over the bus and stores whole sectors
 * up to the first bad sector or bus error; a read fetches sectors up to the first bad one and
 * scatters them into the descriptors. A bus error (BUS_ERROR) or a bad sector (MEDIA_ERROR) ends the
 * request; its completion counts the bytes that reached their destination in whole sectors.
 */
final class SgBlock implements BlockHw {
    private final SimBusMaster bus;
    private final long capacity;
    private final long maxTransfer;
    private final Map<Long, byte[]> medium = new HashMap<>();
    private final ArrayDeque<Request> queue = new ArrayDeque<>();
    private boolean stalled;
    private long badSector = -1;
    private long completed;

    SgBlock(SimBusMaster bus, long capacitySectors, long maxTransferBytes) {
        this.bus = bus;
        this.capacity = capacitySectors;
        this.maxTransfer = maxTransferBytes;
    }

    @Override
    public BusMaster bus() {
        return bus;
    }

    @Override
    public long capacitySectors() {
        return capacity;
    }

    @Override
    public long maxTransferBytes() {
        return maxTransfer;
    }

    @Override
    public BlockCompletion submit(boolean write, long sector, List<DmaDescriptor> descriptors) {
        Request r = new Request(write, sector, List.copyOf(descriptors));
        synchronized (this) {
            if (stalled) {
                queue.add(r);
                return r;
            }
            run(r);
        }
        return r;
    }

    @Override
    public synchronized void abort(BlockCompletion request) {
        if (request instanceof Request r && queue.remove(r)) {
            r.complete(BlockCompletion.Status.ABORTED, 0, "aborted by the driver before the engine started it");
        }
    }

    @Override
    public synchronized void stall(boolean stall) {
        stalled = stall;
        while (!stalled && !queue.isEmpty()) {
            run(queue.poll());
        }
    }

    @Override
    public synchronized void injectMediaError(long sector) {
        badSector = sector;
    }

    @Override
    public synchronized byte[] readMedium(long sector, int len) {
        byte[] out = new byte[len];
        for (int done = 0; done < len; done += SECTOR_SIZE) {
            byte[] s = medium.get(sector + done / SECTOR_SIZE);
            if (s != null) {
                System.arraycopy(s, 0, out, done, Math.min(SECTOR_SIZE, len - done));
            }
        }
        return out;
    }

    @Override
    public synchronized void writeMedium(long sector, byte[] data) {
        for (int done = 0; done < data.length; done += SECTOR_SIZE) {
            byte[] s = medium.computeIfAbsent(sector + done / SECTOR_SIZE, k -> new byte[SECTOR_SIZE]);
            System.arraycopy(data, done, s, 0, Math.min(SECTOR_SIZE, data.length - done));
        }
    }

    @Override
    public synchronized long requestsCompleted() {
        return completed;
    }

    private void run(Request r) {
        long total = 0;
        for (DmaDescriptor d : r.descriptors) {
            total += d.length();
        }
        String bad = null;
        if (r.descriptors.isEmpty() || total % SECTOR_SIZE != 0) {
            bad = "request of " + total + " bytes is not a whole number of 512-byte sectors";
        } else if (total > maxTransfer) {
            bad = "request of " + total + " bytes is longer than the device's " + maxTransfer + " bytes per request";
        } else if (r.sector < 0 || r.sector + total / SECTOR_SIZE > capacity) {
            bad = "sectors " + r.sector + "+" + total / SECTOR_SIZE + " lie beyond the medium's " + capacity;
        }
        if (bad != null) {
            r.complete(BlockCompletion.Status.REFUSED, 0, bus.device().name() + ": " + bad);
            return;
        }
        for (DmaDescriptor d : r.descriptors) {
            try {
                bus.checkDescriptor(d);
            } catch (DeviceError e) {
                r.complete(BlockCompletion.Status.REFUSED, 0, e.getMessage());
                return;
            }
        }
        if (r.write) {
            write(r, (int) total);
        } else {
            read(r, (int) total);
        }
        completed++;
    }

    /** Sectors before the first bad one, of {@code count} from {@code sector}. */
    private long goodSectors(long sector, long count) {
        return badSector >= sector && badSector < sector + count ? badSector - sector : count;
    }

    private void write(Request r, int total) {
        byte[] data = new byte[total];
        int gathered = 0;
        String busError = null;
        for (DmaDescriptor d : r.descriptors) {
            try {
                bus.read(d.dmaHandle(), data, gathered, (int) d.length());
                gathered += (int) d.length();
            } catch (DeviceError e) {
                busError = e.getMessage();
                break;
            }
        }
        long sectors = goodSectors(r.sector, gathered / SECTOR_SIZE);
        byte[] stored = new byte[(int) sectors * SECTOR_SIZE];
        System.arraycopy(data, 0, stored, 0, stored.length);
        writeMedium(r.sector, stored);
        if (sectors < gathered / SECTOR_SIZE) {
            r.complete(BlockCompletion.Status.MEDIA_ERROR, stored.length, mediaError(badSector));
        } else if (busError != null) {
            r.complete(BlockCompletion.Status.BUS_ERROR, stored.length, busError);
        } else {
            r.complete(BlockCompletion.Status.OK, total, "");
        }
    }

    private void read(Request r, int total) {
        long sectors = goodSectors(r.sector, total / SECTOR_SIZE);
        byte[] data = readMedium(r.sector, (int) sectors * SECTOR_SIZE);
        int scattered = 0;
        for (DmaDescriptor d : r.descriptors) {
            int n = (int) Math.min(d.length(), data.length - scattered);
            if (n <= 0) {
                break;
            }
            try {
                bus.write(d.dmaHandle(), data, scattered, n);
            } catch (DeviceError e) {
                r.complete(BlockCompletion.Status.BUS_ERROR, scattered / SECTOR_SIZE * SECTOR_SIZE, e.getMessage());
                return;
            }
            scattered += n;
        }
        if (sectors < total / SECTOR_SIZE) {
            r.complete(BlockCompletion.Status.MEDIA_ERROR, data.length, mediaError(badSector));
        } else {
            r.complete(BlockCompletion.Status.OK, total, "");
        }
    }

    private String mediaError(long sector) {
        return bus.device().name() + ": medium error at sector " + sector;
    }

    /** A submitted request and its completion. */
    static final class Request implements BlockCompletion {
        final boolean write;
        final long sector;
        final List<DmaDescriptor> descriptors;
        private final CountDownLatch done = new CountDownLatch(1);
        private volatile Status status = Status.PENDING;
        private volatile long bytesDone;
        private volatile String error = "";

        Request(boolean write, long sector, List<DmaDescriptor> descriptors) {
            this.write = write;
            this.sector = sector;
            this.descriptors = descriptors;
        }

        void complete(Status s, long bytes, String why) {
            bytesDone = bytes;
            error = why;
            status = s;
            done.countDown();
        }

        @Override
        public Status status() {
            return status;
        }

        @Override
        public long bytesDone() {
            return bytesDone;
        }

        @Override
        public String error() {
            return error;
        }

        @Override
        public boolean await(long timeoutMillis) throws InterruptedException {
            return done.await(timeoutMillis, TimeUnit.MILLISECONDS);
        }
    }
}
