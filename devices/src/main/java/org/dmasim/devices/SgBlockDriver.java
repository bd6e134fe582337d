package org.dmasim.devices;

import java.util.ArrayList;
import java.util.List;
import org.dmasim.api.addr.DmaAddr;
import org.dmasim.api.boot.Errno;
import org.dmasim.api.device.DmaDevice;
import org.dmasim.api.dma.DmaApi;
import org.dmasim.api.dma.DmaDirection;
import org.dmasim.api.dma.SgTable;
import org.dmasim.devices.api.BlockCompletion;
import org.dmasim.devices.api.BlockConfig;
import org.dmasim.devices.api.BlockDriver;
import org.dmasim.devices.api.BlockHw;
import org.dmasim.devices.api.DmaDescriptor;
import org.dmasim.devices.api.DriverBug;

/**
 * The scatter-gather block device's driver, a Linux block driver's request path reduced to DMA.
 *
 * <p>Probe tells the DMA API what the hardware can do: {@code dma_set_mask_and_coherent} to its
 * address width, {@code dma_set_max_seg_size} and {@code dma_set_seg_boundary} to its descriptor
 * limits (the block layer reads them back through the queue limits so that requests are built
 * within them). A request is {@code dma_map_sg}'d; each DMA segment becomes descriptors that keep
 * within the limits (a segment is cut at the boundary and at the maximum size, as
 * {@code blk_rq_map_sg} would have built it); the request is submitted and the driver sleeps until
 * its completion interrupt, at most {@link #TIMEOUT_MS} (the timeout handler aborts the command),
 * then {@code dma_unmap_sg}. With {@link DriverBug#IGNORES_SEGMENT_LIMITS} the driver instead
 * merges bus-contiguous segments into one descriptor, whatever their size: the device refuses it.
 */
final class SgBlockDriver implements BlockDriver {
    /** The request timeout (a block queue's default is 30 s; a simulated device has no latency). */
    static final long TIMEOUT_MS = 1000;

    private final Facilities platform;
    private final DmaDevice dev;
    private final BlockConfig config;
    private final SgBlock hw;
    private final Runnable unbind;
    private volatile boolean removed;

    SgBlockDriver(Facilities platform, DmaDevice dev, BlockConfig config, SgBlock hw, Runnable unbind) {
        this.platform = platform;
        this.dev = dev;
        this.config = config;
        this.hw = hw;
        this.unbind = unbind;
    }

    /**
     * What every driver of this hardware does in its probe: the mask and the segment limits.
     *
     * @throws IllegalStateException when the DMA API refuses the mask (-EIO)
     */
    static void configureDma(DmaApi dma, DmaDevice dev, BlockConfig config) {
        long mask = config.maskBits() == 64 ? -1L : (1L << config.maskBits()) - 1;
        if (dma.setMaskAndCoherent(dev, mask) != 0) {
            throw new IllegalStateException("sg-block: probe of " + dev.name() + " failed with error " + -Errno.EIO
                + " (No usable DMA configuration)");
        }
        dma.setMaxSegmentSize(dev, config.limits().maxSegmentSize());
        dma.setSegmentBoundary(dev, config.limits().segmentBoundary());
    }

    @Override
    public String name() {
        return dev.name();
    }

    @Override
    public BlockHw hw() {
        return hw;
    }

    @Override
    public int transfer(boolean write, long sector, SgTable sg) {
        if (removed) {
            throw new IllegalStateException("sg-block " + dev.name() + ": the driver was removed");
        }
        long total = sg.totalLength(sg.origNents());
        if (total % BlockHw.SECTOR_SIZE != 0 || total > hw.maxTransferBytes()) {
            return traced(new Request(write, sector, List.of(), List.of(), null, -Errno.EINVAL));
        }
        DmaApi dma = platform.dma();
        DmaDirection dir = write ? DmaDirection.TO_DEVICE : DmaDirection.FROM_DEVICE;
        int nents = dma.mapSg(dev, sg, sg.origNents(), dir, 0);
        if (nents == 0) {
            return traced(new Request(write, sector, List.of(), List.of(), null, -Errno.ENOMEM));
        }
        try {
            List<DmaDescriptor> descs = config.bugs().contains(DriverBug.IGNORES_SEGMENT_LIMITS)
                ? merged(sg, nents) : descriptors(sg, nents, dev);
            BlockCompletion c = hw.submit(write, sector, descs);
            long r = waitFor(hw, c, TIMEOUT_MS);
            return traced(new Request(write, sector, segments(sg, nents), descs, c, r >= 0 ? 0 : (int) r));
        } finally {
            dma.unmapSg(dev, sg, sg.origNents(), dir, 0);
        }
    }

    /** One DMA segment of a mapped request: {@code sg_dma_address}, {@code sg_dma_len}. */
    record Segment(long dmaAddress, long dmaLength) {
    }

    /**
     * The driver's last request as the simulation's user inspects it: the DMA segments
     * {@code dma_map_sg} returned, the descriptors built from them, the device's completion (null
     * when nothing was submitted) and what {@link #transfer} returned.
     */
    record Request(boolean write, long sector, List<Segment> segments, List<DmaDescriptor> descriptors,
        BlockCompletion completion, int result) {
    }

    private volatile Request last;

    private int traced(Request r) {
        last = r;
        return r.result();
    }

    /** The last request, if any was made. */
    java.util.Optional<Request> lastRequest() {
        return java.util.Optional.ofNullable(last);
    }

    Facilities facilities() {
        return platform;
    }

    BlockConfig config() {
        return config;
    }

    private static List<Segment> segments(SgTable sg, int nents) {
        List<Segment> out = new ArrayList<>();
        for (int i = 0; i < nents; i++) {
            out.add(new Segment(sg.dmaAddress(i), sg.dmaLength(i)));
        }
        return out;
    }

    /**
     * Submits, sleeps until the completion or {@code timeoutMs}, and aborts the command on a
     * timeout or a signal: {@code wait_for_completion_interruptible_timeout} and the abort a
     * driver's error path does before it unmaps (the device must stop touching the memory first).
     *
     * @return the bytes done when the request completed OK; -EIO for a device error;
     *     -ETIMEDOUT; -ERESTARTSYS when the thread was interrupted (its interrupt flag stays set,
     *     as a signal stays pending)
     */
    static long waitFor(BlockHw hw, BlockCompletion c, long timeoutMs) {
        try {
            if (!c.await(timeoutMs)) {
                hw.abort(c);
                return c.status() == BlockCompletion.Status.OK ? c.bytesDone() : -Errno.ETIMEDOUT;
            }
        } catch (InterruptedException e) {
            hw.abort(c);
            Thread.currentThread().interrupt();
            return c.status() == BlockCompletion.Status.OK ? c.bytesDone() : -Errno.ERESTARTSYS;
        }
        return c.status() == BlockCompletion.Status.OK ? c.bytesDone() : -Errno.EIO;
    }

    /** The mapped segments cut to the device's limits, as the DMA API recorded them for the device. */
    static List<DmaDescriptor> descriptors(SgTable sg, int nents, DmaDevice dev) {
        long max = dev.maxSegmentSize();
        long boundary = dev.segmentBoundary();
        List<DmaDescriptor> out = new ArrayList<>();
        for (int i = 0; i < nents; i++) {
            long addr = sg.dmaAddress(i);
            long left = sg.dmaLength(i);
            while (left > 0) {
                long toBoundary = boundary == -1L ? Long.MAX_VALUE : (boundary - (addr & boundary)) + 1;
                long n = Math.min(left, Math.min(max, toBoundary));
                out.add(new DmaDescriptor(new DmaAddr(addr), n));
                addr += n;
                left -= n;
            }
        }
        return out;
    }

    /** The buggy way: bus-contiguous segments merged into one descriptor, limits ignored. */
    private static List<DmaDescriptor> merged(SgTable sg, int nents) {
        List<DmaDescriptor> out = new ArrayList<>();
        long start = sg.dmaAddress(0);
        long len = sg.dmaLength(0);
        for (int i = 1; i < nents; i++) {
            if (sg.dmaAddress(i) == start + len) {
                len += sg.dmaLength(i);
            } else {
                out.add(new DmaDescriptor(new DmaAddr(start), len));
                start = sg.dmaAddress(i);
                len = sg.dmaLength(i);
            }
        }
        out.add(new DmaDescriptor(new DmaAddr(start), len));
        return out;
    }

    @Override
    public void remove() {
        if (!removed) {
            removed = true;
            unbind.run();
        }
    }
}
