package org.dmasim.dma.core;

import java.util.BitSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The requester IDs of a platform's PCI devices ({@code PCI_DEVID(bus, devfn)}), what an IOMMU's
 * {@code iommu-map} turns into stream IDs. A device named as the kernel names PCI devices
 * ({@code 0000:00:02.0}: domain, bus, device, function) has that address; any other name gets the
 * lowest free device number on bus 0 from 1 up, function 0, in creation order, as QEMU places
 * {@code -device} options on the root bus after its host bridge (00:00.0).
 */
final class PciRids {
    private static final Pattern BDF = Pattern.compile("(?:([0-9a-fA-F]{4}):)?([0-9a-fA-F]{2}):([0-9a-fA-F]{2})\\.([0-7])");
    private static final int DEVICES_PER_BUS = 32;

    private final BitSet used = new BitSet(1 << 16);

    /**
     * The RID of a new device named {@code name}.
     *
     * @throws IllegalArgumentException when the name is a PCI address that is taken or out of
     *     range (device 0..31), or bus 0 is full
     */
    synchronized int assign(String name) {
        Matcher m = BDF.matcher(name);
        int rid;
        if (m.matches()) {
            int bus = Integer.parseInt(m.group(2), 16);
            int dev = Integer.parseInt(m.group(3), 16);
            int fn = Integer.parseInt(m.group(4));
            if (dev >= DEVICES_PER_BUS) {
                throw new IllegalArgumentException("PCI device " + name + ": device number 0x" + m.group(3)
                    + " (expected 00..1f: a bus has 32 device numbers)");
            }
            rid = bus << 8 | dev << 3 | fn;
            if (used.get(rid)) {
                throw new IllegalArgumentException("PCI device " + name + ": that bus address is taken by another"
                    + " device of this platform");
            }
        } else {
            int slot = 1;
            while (slot < DEVICES_PER_BUS && used.get(slot << 3)) {
                slot++;
            }
            if (slot == DEVICES_PER_BUS) {
                throw new IllegalArgumentException("PCI device " + name + ": bus 0 has no free device number left"
                    + " (name the device by its address, e.g. 0000:01:00.0, to place it on another bus)");
            }
            rid = slot << 3;
        }
        used.set(rid);
        return rid;
    }

    synchronized void release(int rid) {
        used.clear(rid);
    }
}
