package org.dmasim.devices;

import java.util.ArrayList;
import java.util.List;
import org.dmasim.api.addr.DmaAddr;
import org.dmasim.devices.api.BusMaster;
import org.dmasim.devices.api.DeviceError;
import org.dmasim.devices.api.DmaDescriptor;

/**
 * The network device's hardware: two descriptor rings in memory it reaches over the bus, a TX
 * engine started by the driver's doorbell and an RX engine fed by the wire.
 *
 * <p>Model: the driver programs each ring's bus address and size (the ring base registers) and
 * rings the TX doorbell with its tail index (an MMIO write). The TX engine then walks its ring from
 * its own head to that tail: it fetches each descriptor over the bus, stops at one it does not own,
 * checks it against the engine's segment limits, reads the frame from the buffer's bus address
 * and sends it (the frame is kept as "the wire"), and writes the descriptor back with DONE (ERR when
 * it could not), OWN cleared. The RX engine takes each frame from the wire into the next
 * descriptor the driver posted (OWN set): it writes the frame at the buffer's bus address and the
 * descriptor back with its length and DONE. A frame that finds no posted descriptor is dropped
 * (rx_missed); one longer than its buffer is not written, the descriptor comes back DONE|ERR.
 * A bus error while fetching or writing back a descriptor halts both engines (NICs raise a fatal
 * bus error and stop until reset); one while moving a frame only fails that descriptor.
 *
 * <p>Every descriptor and frame byte moves through the {@link BusMaster}: through the DMA API's
 * translation and the device's memory port, as on hardware. The engines run when they are kicked
 * (doorbell, arriving frame), so a test sees a deterministic order of events.
 */
final class RingNic {
    private final BusMaster bus;
    private final DmaAddr txRing;
    private final DmaAddr rxRing;
    private final int ringSize;
    private int txHead;
    private int rxHead;
    private final List<byte[]> wire = new ArrayList<>();
    /** Per RX descriptor, the frame the engine last wrote into its buffer (null after an error): for the simulation's user. */
    private final byte[][] rxWritten;
    long rxMissed;
    /** The fatal error that halted both engines, or null. */
    String halted;

    RingNic(BusMaster bus, DmaAddr txRing, DmaAddr rxRing, int ringSize) {
        this.bus = bus;
        this.txRing = txRing;
        this.rxRing = rxRing;
        this.ringSize = ringSize;
        this.rxWritten = new byte[ringSize][];
    }

    private DmaAddr slot(DmaAddr ring, int index) {
        return ring.plus((long) (index & (ringSize - 1)) * Desc.SIZE);
    }

    private Desc fetch(DmaAddr ring, int index) {
        return Desc.of(bus.read(slot(ring, index), Desc.SIZE));
    }

    private void writeBack(DmaAddr ring, int index, Desc d) {
        bus.write(slot(ring, index), d.bytes());
    }

    /**
     * A bus error on a descriptor fetch or write-back is fatal, as on real NICs: both engines halt
     * (the fatal-bus-error interrupt) until the driver resets the device.
     */
    private Desc fetchOrHalt(DmaAddr ring, int index) {
        try {
            return fetch(ring, index);
        } catch (DeviceError e) {
            halted = e.getMessage();
            return null;
        }
    }

    private void writeBackOrHalt(DmaAddr ring, int index, Desc d) {
        try {
            writeBack(ring, index, d);
        } catch (DeviceError e) {
            halted = e.getMessage();
        }
    }

    /** The TX doorbell: send every owned descriptor up to {@code tail}. */
    synchronized void txDoorbell(int tail) {
        while (txHead != tail && halted == null) {
            Desc d = fetchOrHalt(txRing, txHead);
            if (d == null || !d.owned()) {
                return;
            }
            int status = Desc.DONE;
            try {
                DmaDescriptor seg = new DmaDescriptor(new DmaAddr(d.buffer()), d.bufLen());
                bus.checkDescriptor(seg);
                wire.add(bus.read(seg.dmaHandle(), d.bufLen()));
            } catch (DeviceError | IllegalArgumentException e) {
                status |= Desc.ERR;
            }
            writeBackOrHalt(txRing, txHead, new Desc(d.buffer(), d.bufLen(), 0, status));
            txHead++;
        }
    }

    /** A frame from the wire. */
    synchronized boolean receive(byte[] frame) {
        Desc d = halted == null ? fetchOrHalt(rxRing, rxHead) : null;
        if (d == null || !d.owned()) {
            rxMissed++;
            return false;
        }
        int status = Desc.DONE;
        int len = 0;
        rxWritten[rxHead & (ringSize - 1)] = null;
        if (frame.length > d.bufLen()) {
            status |= Desc.ERR;
        } else {
            try {
                bus.write(new DmaAddr(d.buffer()), frame);
                len = frame.length;
                rxWritten[rxHead & (ringSize - 1)] = frame.clone();
            } catch (DeviceError e) {
                status |= Desc.ERR;
            }
        }
        writeBackOrHalt(rxRing, rxHead, new Desc(d.buffer(), d.bufLen(), len, status));
        rxHead++;
        return true;
    }

    /** The frame the RX engine last wrote for descriptor {@code index}, or null when it wrote none. */
    synchronized byte[] written(int index) {
        byte[] f = rxWritten[index & (ringSize - 1)];
        return f == null ? null : f.clone();
    }

    /** The engines' own ring positions (their head registers). */
    synchronized int txHead() {
        return txHead;
    }

    synchronized int rxHead() {
        return rxHead;
    }

    synchronized List<byte[]> wire() {
        return List.copyOf(wire);
    }
}
