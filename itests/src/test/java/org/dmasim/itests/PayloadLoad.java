package org.dmasim.itests;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Random;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.function.Predicate;
import org.dmasim.api.addr.DmaAddr;
import org.dmasim.api.dma.DmaDirection;
import org.dmasim.api.platform.SimCpu;

/**
 * The load of the hot-swap tests: driver threads moving checksummed payloads through one device's
 * streaming DMA while a backend is replaced or stopped under them (the event). Each driver maps a
 * random payload at a random offset of one of its buffers, either direction, lets the device read
 * or write it at once, and finishes the mapping some maps later: a second payload each way with a
 * sync in between, then the unmap, every byte checked. One mapping made just before the event is
 * finished only after it, so that whatever the timing the old backend drains at least that one.
 */
final class PayloadLoad {
    private PayloadLoad() {
    }

    /** When the event happened, as the drivers see it. */
    static final class Event {
        /** Set just before the event is set off: maps started from then on may go either way. */
        volatile boolean requested;
        /** Set once the old backend drains: maps started from then on must go to the new one. */
        volatile boolean done;
    }

    /** One mapping: what was mapped, what the device was given or wrote, and when it began. */
    record Transfer(long phys, int size, DmaDirection dir, DmaAddr handle, byte[] first, boolean beforeEvent,
        boolean afterEvent) {
    }

    /** What a driver counted. */
    static final class Tally {
        long mapErrors;
        long corruptedBytes;
        long checkedBytes;
        long afterEvent;
        long drained;
        final List<Transfer> transfers = new ArrayList<>();

        void add(Tally t) {
            mapErrors += t.mapErrors;
            corruptedBytes += t.corruptedBytes;
            checkedBytes += t.checkedBytes;
            afterEvent += t.afterEvent;
            drained += t.drained;
            transfers.addAll(t.transfers);
        }

        /** Two payloads a transfer: one each way, or two the same way with a sync between. */
        long payloadBytes() {
            return transfers.stream().mapToLong(x -> 2L * x.size()).sum();
        }

        long count(Predicate<Transfer> which) {
            return transfers.stream().filter(which).count();
        }

        @Override
        public String toString() {
            return transfers.size() + " transfers (" + afterEvent + " mapped after the event, " + drained
                + " finished by the draining backend), " + checkedBytes + " bytes checked, " + corruptedBytes
                + " corrupted, " + mapErrors + " map errors";
        }
    }

    /** How much load: mappings in flight, maps before the event, maps after it, the time allowed. */
    record Shape(int inFlight, int before, int after, Duration timeout) {
    }

    /** One driver thread. */
    static final class Driver implements Callable<Tally> {
        private final DeviceDma board;
        private final long[] buffers;
        private final int bufferSize;
        private final int cpu;
        private final Random rng;
        private final CountDownLatch halfWay;
        private final Event event;
        private final Shape shape;
        private final Predicate<Transfer> finishedByDrain;
        private final Tally tally = new Tally();

        /**
         * @param buffers physical addresses of {@code bufferSize}-byte buffers, one more than
         *     in flight plus one: the last carries the mapping across the event
         * @param cpu the simulated CPU the thread binds to, or -1 to stay where it is
         * @param finishedByDrain whether finishing a transfer now is the old backend serving it
         *     while it drains
         */
        Driver(DeviceDma board, long[] buffers, int bufferSize, int cpu, Random rng, CountDownLatch halfWay,
            Event event, Shape shape, Predicate<Transfer> finishedByDrain) {
            this.board = board;
            this.buffers = buffers;
            this.bufferSize = bufferSize;
            this.cpu = cpu;
            this.rng = rng;
            this.halfWay = halfWay;
            this.event = event;
            this.shape = shape;
            this.finishedByDrain = finishedByDrain;
        }

        @Override
        public Tally call() {
            if (cpu >= 0) {
                SimCpu.bind(cpu);
            }
            Deque<Transfer> inFlight = new ArrayDeque<>();
            long deadline = System.nanoTime() + shape.timeout().toNanos();
            int afterEvent = 0;
            Transfer across = null;
            for (int k = 0; k < shape.before() || afterEvent < shape.after(); k++) {
                if (k == shape.before()) {
                    across = start(buffers[buffers.length - 1]);
                    halfWay.countDown();
                }
                if (across != null && event.done) {
                    finish(across);
                    across = null;
                }
                if (System.nanoTime() > deadline) {
                    throw new AssertionError("no event within " + shape.timeout().toSeconds() + " s; " + tally);
                }
                Transfer t = start(buffers[k % (buffers.length - 1)]);
                if (t != null) {
                    inFlight.add(t);
                    afterEvent += t.afterEvent() ? 1 : 0;
                }
                if (inFlight.size() > shape.inFlight()) {
                    finish(inFlight.poll());
                }
            }
            if (across != null) {
                finish(across);
            }
            while (!inFlight.isEmpty()) {
                finish(inFlight.poll());
            }
            return tally;
        }

        private Transfer start(long buffer) {
            int size = 1 + rng.nextInt(bufferSize);
            long phys = buffer + rng.nextInt(bufferSize - size + 1);
            DmaDirection dir = rng.nextBoolean() ? DmaDirection.TO_DEVICE : DmaDirection.FROM_DEVICE;
            byte[] first = DeviceDma.pattern(rng, size);
            boolean beforeEvent = !event.requested;
            boolean afterEvent = event.done;
            if (dir == DmaDirection.TO_DEVICE) {
                board.cpuWrite(phys, first);
            }
            DmaAddr a = board.dma.mapSingle(board.dev, board.kva(phys), size, dir, 0);
            if (board.dma.mappingError(board.dev, a) != 0) {
                tally.mapErrors++;
                return null;
            }
            if (dir == DmaDirection.TO_DEVICE) {
                check(first, board.deviceRead(a, size));
            } else {
                board.deviceWrite(a, first);
            }
            Transfer t = new Transfer(phys, size, dir, a, first, beforeEvent, afterEvent);
            tally.transfers.add(t);
            tally.afterEvent += afterEvent ? 1 : 0;
            return t;
        }

        private void finish(Transfer t) {
            if (finishedByDrain.test(t)) {
                tally.drained++;
            }
            byte[] second = DeviceDma.pattern(rng, t.size());
            if (t.dir() == DmaDirection.TO_DEVICE) {
                board.cpuWrite(t.phys(), second);
                board.dma.syncSingleForDevice(board.dev, t.handle(), t.size(), t.dir());
                check(second, board.deviceRead(t.handle(), t.size()));
                board.dma.unmapSingle(board.dev, t.handle(), t.size(), t.dir(), 0);
            } else {
                board.dma.syncSingleForCpu(board.dev, t.handle(), t.size(), t.dir());
                check(t.first(), board.cpuRead(t.phys(), t.size()));
                board.dma.syncSingleForDevice(board.dev, t.handle(), t.size(), t.dir());
                board.deviceWrite(t.handle(), second);
                board.dma.unmapSingle(board.dev, t.handle(), t.size(), t.dir(), 0);
                check(second, board.cpuRead(t.phys(), t.size()));
            }
        }

        private void check(byte[] expected, byte[] seen) {
            tally.checkedBytes += seen.length;
            for (int i = 0; i < expected.length; i++) {
                if (i >= seen.length || expected[i] != seen[i]) {
                    tally.corruptedBytes++;
                }
            }
        }
    }
}
