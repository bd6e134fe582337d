package org.dmasim.dmapool;

import java.util.ArrayList;
import java.util.List;
import org.dmasim.api.device.DmaDevice;

/**
 * The few printk conversions mm/dmapool.c uses, rendered the way the simulator shows them.
 *
 * <p>{@code %p}: the kernel prints a hashed pointer (32 bits of siphash, zero-extended) unless
 * booted with {@code no_hash_pointers}. A hash tells a simulator user nothing, so we print the
 * raw kernel virtual address as {@code 0x%016x}, i.e. what {@code no_hash_pointers} would show
 * with a 0x prefix. {@code %pad}: {@code 0x} and the dma_addr_t zero-padded to 16 hex digits,
 * exactly as the kernel does.
 */
final class KernelFmt {
    private KernelFmt() {
    }

    /** {@code %p} (raw address, not hashed: see the class comment). */
    static String p(long kva) {
        return String.format("0x%016x", kva);
    }

    /** {@code %pad}. */
    static String pad(long dma) {
        return String.format("0x%016x", dma);
    }

    /**
     * The {@code dev_err} prefix {@code "%s %s: "}: {@code dev_driver_string} (no driver is bound
     * to a simulated device, so the bus name) and {@code dev_name}.
     */
    static String devPrefix(DmaDevice dev) {
        return (dev.bus() == DmaDevice.Bus.PCI ? "pci" : "platform") + " " + dev.name() + ": ";
    }

    /**
     * {@code print_hex_dump(KERN_ERR, "", DUMP_PREFIX_OFFSET, 16, 1, data, len, true)}: rows of
     * 16 bytes, {@code "%08x: "} offset, bytes as {@code "%02x"} joined by spaces, the ASCII
     * column at 49 with '.' for non-printable bytes.
     */
    static List<String> hexDump(byte[] data) {
        List<String> rows = new ArrayList<>();
        for (int row = 0; row < data.length; row += 16) {
            int len = Math.min(16, data.length - row);
            StringBuilder line = new StringBuilder();
            for (int i = 0; i < len; i++) {
                if (i > 0) {
                    line.append(' ');
                }
                line.append(String.format("%02x", data[row + i] & 0xff));
            }
            while (line.length() < 49) {
                line.append(' ');
            }
            for (int i = 0; i < len; i++) {
                int ch = data[row + i] & 0xff;
                line.append(ch >= 0x20 && ch < 0x7f ? (char) ch : '.');
            }
            rows.add(String.format("%08x: %s", row, line));
        }
        return rows;
    }
}
