package org.dmasim.dma.core.debug;

import java.util.List;

/**
 * {@code current_driver_name}: when set, DMA-API debug prints only the errors of devices bound to
 * that driver (they are still counted). Set by {@code dma_debug_driver=} at boot and by writes to
 * {@code dma-api/driver_filter}.
 *
 * <p>The kernel remembers the {@code struct device_driver} of the first device that matched by
 * name and compares pointers from then on; with one driver per name that is the same as comparing
 * names, which is what this does. A device without a driver never passes an active filter,
 * which is why a driver-unbind leak report (made after {@code dev->driver} became NULL) is never
 * printed while a filter is set.
 */
final class DriverFilter {
    /** {@code NAME_MAX_LEN}: the name holds at most 63 characters. */
    static final int NAME_MAX_LEN = 64;

    private volatile String name = "";

    /** {@code driver_filter(dev)}: whether an error of {@code dev} may be printed. */
    boolean passes(DebugDevice dev) {
        String n = name;
        if (n.isEmpty()) {
            return true;
        }
        String drv = dev.driverName();
        if (drv == null) {
            return false;
        }
        // strncmp(current_driver_name, drv->name, NAME_MAX_LEN - 1) == 0
        String d = drv.length() > NAME_MAX_LEN - 1 ? drv.substring(0, NAME_MAX_LEN - 1) : drv;
        return n.equals(d);
    }

    /** {@code dma_debug_driver_setup}: the parameter's value, at most 63 characters. */
    List<String> setup(String value) {
        name = value.length() > NAME_MAX_LEN - 1 ? value.substring(0, NAME_MAX_LEN - 1) : value;
        return name.isEmpty() ? List.of() : List.of("enable driver filter for driver [" + name + "]");
    }

    /**
     * {@code filter_write}: the first 63 bytes written; a first byte that is not a letter or digit
     * switches the filter off (and says so if it was on), else the first word is the driver.
     */
    List<String> write(String written) {
        String buf = written.length() > NAME_MAX_LEN - 1 ? written.substring(0, NAME_MAX_LEN - 1) : written;
        if (buf.isEmpty() || !isAlnum(buf.charAt(0))) {
            boolean wasOn = !name.isEmpty();
            name = "";
            return wasOn ? List.of("switching off dma-debug driver filter") : List.of();
        }
        int end = 0;
        while (end < buf.length() && !isSpace(buf.charAt(end)) && buf.charAt(end) != 0) {
            end++;
        }
        name = buf.substring(0, end);
        return List.of("enable driver filter for driver [" + name + "]");
    }

    /** {@code filter_read}: the name and a newline, or nothing when off. */
    String read() {
        String n = name;
        return n.isEmpty() ? "" : n + "\n";
    }

    /** C's {@code isalnum} in the "C" locale. */
    private static boolean isAlnum(char c) {
        return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
    }

    /** C's {@code isspace}: space, \t, \n, \v, \f, \r. */
    private static boolean isSpace(char c) {
        return c == ' ' || (c >= '\t' && c <= '\r');
    }
}
