package org.dmasim.devices;

import java.util.ArrayList;
import java.util.List;
import org.dmasim.api.addr.CpuAddr;
import org.dmasim.api.addr.DmaAddr;
import org.dmasim.api.boot.Errno;
import org.dmasim.api.device.DmaDevice;
import org.dmasim.api.dma.CoherentBuffer;
import org.dmasim.api.dma.DmaApi;
import org.dmasim.api.dma.DmaDirection;
import org.dmasim.api.mem.KernelVm;
import org.dmasim.api.mm.Gfp;
import org.dmasim.api.slab.Kmalloc;
import org.dmasim.devices.api.BusMaster;
import org.dmasim.devices.api.DriverBug;
import org.dmasim.devices.api.NetDriver;
import org.dmasim.devices.api.NicConfig;

/**
 * The ring network device's driver, written as a Linux Ethernet driver is written against the DMA
 * API.
 *
 * <p>Probe: {@code dma_set_mask_and_coherent} to the configured width (the hardware's, unless a
 * test wants the classic wrong mask), one {@code dma_alloc_coherent} per ring (descriptors are
 * shared with the device all the time, so they live in coherent memory: on a non-coherent arm64
 * device a non-cacheable alias, elsewhere the cacheable linear map the device snoops), and for each
 * RX slot a {@code kmalloc} buffer mapped {@code DMA_FROM_DEVICE} once and posted (OWN set).
 *
 * <p>Transmit: the frame is copied into a fresh kmalloc buffer (the CPU's stores dirty cache
 * lines), mapped {@code DMA_TO_DEVICE} (which cleans them on a non-coherent device), described in
 * the next TX descriptor and the doorbell rung. A mapping error drops the frame, as drivers do
 * ({@code tx_dropped}, still NETDEV_TX_OK).
 *
 * <p>NAPI poll: sent TX descriptors are reclaimed ({@code dma_unmap_single}, {@code kfree}); each
 * received frame is {@code dma_sync_single_for_cpu}'d for its length, copied out (copybreak) and
 * its buffer {@code dma_sync_single_for_device}'d and posted again: the buffer stays mapped for the
 * driver's life. Leaving out the sync for the CPU ({@link DriverBug#MISSING_RX_SYNC_FOR_CPU}) makes
 * a non-coherent device's driver read its stale cached copy of a recycled buffer.
 */
final class RingNicDriver implements NetDriver {
    private final Facilities platform;
    private final DmaDevice dev;
    private final NicConfig config;
    private final SimBusMaster bus;
    private final Runnable unbind;
    private CoherentBuffer txRing;
    private CoherentBuffer rxRing;
    private final long[] rxBuf;
    private final DmaAddr[] rxDma;
    private final long[] txBuf;
    private final DmaAddr[] txDma;
    private final int[] txLen;
    private RingNic hw;
    private int txTail;
    private int txClean;
    private int rxNext;
    private long txPackets;
    private long txDropped;
    private long txErrors;
    private long rxPackets;
    private long rxErrors;
    private long staleRxLines;
    private boolean removed;

    private RingNicDriver(Facilities platform, DmaDevice dev, NicConfig config, Runnable unbind) {
        this.platform = platform;
        this.dev = dev;
        this.config = config;
        this.unbind = unbind;
        this.bus = new SimBusMaster(platform, dev, config.limits());
        int n = config.ringSize();
        rxBuf = new long[n];
        rxDma = new DmaAddr[n];
        txBuf = new long[n];
        txDma = new DmaAddr[n];
        txLen = new int[n];
    }

    /**
     * The driver's probe.
     *
     * @throws IllegalStateException naming the device and the errno when probe fails; everything
     *     it had set up is released
     */
    static RingNicDriver probe(Facilities platform, DmaDevice dev, NicConfig config, Runnable unbind) {
        RingNicDriver d = new RingNicDriver(platform, dev, config, unbind);
        int err = d.setUp();
        if (err != 0) {
            d.tearDown();
            throw new IllegalStateException("ring-nic: probe of " + dev.name() + " failed with error " + err
                + d.failure);
        }
        return d;
    }

    private String failure = "";

    private int fail(int errno, String why) {
        failure = " (" + why + ")";
        return errno;
    }

    private int setUp() {
        DmaApi dma = platform.dma();
        if (dma.setMaskAndCoherent(dev, mask(config.maskBits())) != 0) {
            return fail(-Errno.EIO, "No usable DMA configuration");
        }
        long ringBytes = (long) config.ringSize() * Desc.SIZE;
        txRing = dma.allocCoherent(dev, ringBytes, Gfp.GFP_KERNEL).orElse(null);
        rxRing = dma.allocCoherent(dev, ringBytes, Gfp.GFP_KERNEL).orElse(null);
        if (txRing == null || rxRing == null) {
            return fail(-Errno.ENOMEM, "cannot allocate the descriptor rings");
        }
        hw = new RingNic(bus, new DmaAddr(txRing.dmaHandle()), new DmaAddr(rxRing.dmaHandle()), config.ringSize());
        Kmalloc k = platform.kmalloc();
        for (int i = 0; i < config.ringSize(); i++) {
            long buf = k.kmalloc(config.bufferSize(), Gfp.GFP_KERNEL);
            if (buf == 0) {
                return fail(-Errno.ENOMEM, "cannot allocate RX buffer " + i);
            }
            rxBuf[i] = buf;
            DmaAddr a = dma.mapSingle(dev, new CpuAddr(buf), config.bufferSize(), DmaDirection.FROM_DEVICE, 0);
            if (dma.mappingError(dev, a) != 0) {
                return fail(-Errno.ENOMEM, "cannot map RX buffer " + i);
            }
            rxDma[i] = a;
            post(i);
        }
        return 0;
    }

    private static long mask(int bits) {
        return bits == 64 ? -1L : (1L << bits) - 1;
    }

    private void post(int i) {
        writeDesc(rxRing, i, new Desc(rxDma[i].value(), config.bufferSize(), 0, Desc.OWN));
    }

    private void writeDesc(CoherentBuffer ring, int index, Desc d) {
        platform.vm().cpuWrite(ring.cpuAddr() + (long) index * Desc.SIZE, d.bytes());
    }

    private Desc readDesc(CoherentBuffer ring, int index) {
        return Desc.of(platform.vm().cpuRead(ring.cpuAddr() + (long) index * Desc.SIZE, Desc.SIZE));
    }

    @Override
    public String name() {
        return dev.name();
    }

    @Override
    public BusMaster bus() {
        return bus;
    }

    @Override
    public synchronized int xmit(byte[] frame) {
        live();
        if (frame.length < 1 || frame.length > 0xffff) {
            throw new IllegalArgumentException("frame of " + frame.length + " bytes (expected: 1..65535)");
        }
        int slot = txTail & (config.ringSize() - 1);
        if (txTail - txClean == config.ringSize()) {
            return NETDEV_TX_BUSY;
        }
        DmaApi dma = platform.dma();
        KernelVm vm = platform.vm();
        long buf = platform.kmalloc().kmalloc(frame.length, platform.gfpAtomic());
        if (buf == 0) {
            txDropped++;
            return NETDEV_TX_OK;
        }
        vm.cpuWrite(buf, frame);
        DmaAddr a = dma.mapSingle(dev, new CpuAddr(buf), frame.length, DmaDirection.TO_DEVICE, 0);
        if (dma.mappingError(dev, a) != 0) {
            platform.kmalloc().kfree(buf);
            txDropped++;
            return NETDEV_TX_OK;
        }
        txBuf[slot] = buf;
        txDma[slot] = a;
        txLen[slot] = frame.length;
        writeDesc(txRing, slot, new Desc(a.value(), frame.length, 0, Desc.OWN));
        txTail++;
        hw.txDoorbell(txTail);
        return NETDEV_TX_OK;
    }

    @Override
    public List<byte[]> poll(int budget) {
        return pollReceived(budget).stream().map(Received::frame).toList();
    }

    /**
     * One frame the NAPI poll handed up, as the simulation's user sees it: the RX slot it came
     * from, the bytes the driver read, the bytes the device had written there, and the cache lines
     * the driver's read returned stale (a cached copy while RAM held the device's bytes).
     */
    record Received(int slot, byte[] frame, byte[] written, long staleLines) {
        boolean asWritten() {
            return java.util.Arrays.equals(frame, written);
        }
    }

    /** {@link #poll}, telling for each frame what the device wrote and what the CPU read stale. */
    synchronized List<Received> pollReceived(int budget) {
        live();
        DmaApi dma = platform.dma();
        while (txClean != txTail) {
            int slot = txClean & (config.ringSize() - 1);
            Desc d = readDesc(txRing, slot);
            if (d.owned()) {
                break;
            }
            dma.unmapSingle(dev, txDma[slot], txLen[slot], DmaDirection.TO_DEVICE, 0);
            platform.kmalloc().kfree(txBuf[slot]);
            txBuf[slot] = 0;
            if (d.error()) {
                txErrors++;
            } else {
                txPackets++;
            }
            txClean++;
        }
        List<Received> frames = new ArrayList<>();
        while (frames.size() < budget) {
            int slot = rxNext & (config.ringSize() - 1);
            Desc d = readDesc(rxRing, slot);
            if (!d.done()) {
                break;
            }
            if (d.error()) {
                rxErrors++;
            } else {
                if (!config.bugs().contains(DriverBug.MISSING_RX_SYNC_FOR_CPU)) {
                    dma.syncSingleForCpu(dev, rxDma[slot], d.frameLen(), DmaDirection.FROM_DEVICE);
                }
                long staleBefore = platform.cache().stats().staleCpuReads();
                byte[] frame = platform.vm().cpuRead(rxBuf[slot], d.frameLen());
                long stale = platform.cache().stats().staleCpuReads() - staleBefore;
                staleRxLines += stale;
                frames.add(new Received(slot, frame, hw.written(slot), stale));
                rxPackets++;
            }
            dma.syncSingleForDevice(dev, rxDma[slot], config.bufferSize(), DmaDirection.FROM_DEVICE);
            post(slot);
            rxNext++;
        }
        return frames;
    }

    /** Cache lines the driver's reads of received frames returned stale, over its life. */
    synchronized long staleRxLines() {
        return staleRxLines;
    }

    /** Both rings as the driver and the device see them now. */
    record Rings(int size, long txRingDma, long rxRingDma, int txTail, int txClean, int txHead, int rxNext,
        int rxHead, List<Desc> tx, List<Desc> rx) {
    }

    synchronized Rings rings() {
        live();
        List<Desc> tx = new ArrayList<>();
        List<Desc> rx = new ArrayList<>();
        for (int i = 0; i < config.ringSize(); i++) {
            tx.add(readDesc(txRing, i));
            rx.add(readDesc(rxRing, i));
        }
        return new Rings(config.ringSize(), txRing.dmaHandle(), rxRing.dmaHandle(), txTail, txClean, hw.txHead(),
            rxNext, hw.rxHead(), tx, rx);
    }

    NicConfig config() {
        return config;
    }

    @Override
    public boolean receive(byte[] frame) {
        live();
        return hw.receive(frame);
    }

    @Override
    public List<byte[]> wire() {
        return hw == null ? List.of() : hw.wire();
    }

    @Override
    public synchronized NicStats stats() {
        return new NicStats(txPackets, txDropped, txErrors, rxPackets, hw == null ? 0 : hw.rxMissed, rxErrors);
    }

    @Override
    public java.util.Optional<String> hardwareError() {
        return java.util.Optional.ofNullable(hw == null ? null : hw.halted);
    }

    private void live() {
        if (removed) {
            throw new IllegalStateException("ring-nic " + dev.name() + ": the driver was removed");
        }
    }

    @Override
    public synchronized void remove() {
        live();
        tearDown();
    }

    /** Releases whatever probe set up, in reverse order. */
    private void tearDown() {
        removed = true;
        DmaApi dma = platform.dma();
        Kmalloc k = platform.kmalloc();
        for (int i = 0; i < config.ringSize(); i++) {
            if (txBuf[i] != 0) {
                dma.unmapSingle(dev, txDma[i], txLen[i], DmaDirection.TO_DEVICE, 0);
                k.kfree(txBuf[i]);
                txBuf[i] = 0;
            }
            if (rxDma[i] != null) {
                dma.unmapSingle(dev, rxDma[i], config.bufferSize(), DmaDirection.FROM_DEVICE, 0);
                rxDma[i] = null;
            }
            if (rxBuf[i] != 0) {
                k.kfree(rxBuf[i]);
                rxBuf[i] = 0;
            }
        }
        for (CoherentBuffer ring : new CoherentBuffer[] {rxRing, txRing}) {
            if (ring != null) {
                dma.freeCoherent(dev, ring.size(), ring.cpuAddr(), ring.dmaHandle());
            }
        }
        rxRing = null;
        txRing = null;
        unbind.run();
    }
}
