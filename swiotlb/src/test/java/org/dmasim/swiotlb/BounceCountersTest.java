package org.dmasim.swiotlb;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;

import java.util.List;
import org.dmasim.api.swiotlb.SwiotlbStats;
import org.junit.jupiter.api.Test;

/** Per-device bounce counts: one set per device name, whichever device object or thread asks. */
class BounceCountersTest {
    @Test
    void devicesAskingInTurnEachKeepTheirOwnCounts() {
        BounceCounters counters = new BounceCounters();
        TestDevice a = new TestDevice("nic-a");
        TestDevice b = new TestDevice("nic-b");
        BounceCounters.Device ca = counters.of(a);
        assertSame(ca, counters.of(a), "the same device again");
        BounceCounters.Device cb = counters.of(b);
        assertNotSame(ca, cb);
        assertSame(ca, counters.of(a), "back to the first device after another");
        // Another object of the same name (a name String of its own): the same counts (they are kept by name).
        assertSame(ca, counters.of(new TestDevice(new String("nic-a"))));
        ca.maps.add(3);
        cb.maps.add(1);
        List<SwiotlbStats.DeviceBounces> snap = counters.snapshot();
        assertEquals(List.of("nic-a", "nic-b"), snap.stream().map(SwiotlbStats.DeviceBounces::device).toList(),
            "in the order the devices first bounced");
        assertEquals(3, snap.get(0).maps());
        assertEquals(1, snap.get(1).maps());
    }

    @Test
    void twoThreadsCountingForTwoDevicesLoseNothing() throws Exception {
        BounceCounters counters = new BounceCounters();
        TestDevice[] devs = {new TestDevice("blk-0"), new TestDevice("blk-1")};
        int per = 100_000;
        Thread[] ts = new Thread[2];
        for (int t = 0; t < 2; t++) {
            int me = t;
            ts[t] = new Thread(() -> {
                for (int i = 0; i < per; i++) {
                    counters.of(devs[(i + me) & 1]).maps.increment(); // each thread alternates between the devices
                }
            });
            ts[t].start();
        }
        for (Thread t : ts) {
            t.join();
        }
        List<SwiotlbStats.DeviceBounces> snap = counters.snapshot();
        assertEquals(2, snap.size());
        assertEquals(2L * per, snap.get(0).maps() + snap.get(1).maps());
        assertEquals(per, snap.get(0).maps());
    }
}
