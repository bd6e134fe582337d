package org.dmasim.dma.core;

import java.util.HashSet;
import java.util.Optional;
import java.util.Set;

/**
 * The two sysfs entries {@code device_add} creates for a device, which is where a duplicate
 * device name fails in Linux: the device's directory under its parent ({@code kobject_add}), then
 * its link in {@code /sys/bus/<bus>/devices} ({@code bus_add_device}). Either one existing already
 * makes {@code kernfs} refuse with -EEXIST, {@code sysfs_warn_dup} prints the path, and the
 * device is not registered.
 */
final class SysfsNames {
    /** Where a registration failed and which lines the kernel printed for it. */
    record Duplicate(String path, boolean directory) {
        /** {@code sysfs_warn_dup} (pr_fmt "sysfs: "; a stack dump follows in the kernel). */
        String warning() {
            return "sysfs: cannot create duplicate filename '" + path + "'";
        }

        /** {@code kobject_add_internal}'s complaint (6.1 has no "kobject: " prefix yet), directories only. */
        Optional<String> kobjectError(String name) {
            return directory ? Optional.of("kobject_add_internal failed for " + name
                + " with -EEXIST, don't try to register things with the same name in the same directory.")
                : Optional.empty();
        }
    }

    /** {@code /sys/devices} of the platform bus device every top-level OF device hangs from. */
    static final String PLATFORM_BUS_DIR = "/devices/platform";

    private final Set<String> entries = new HashSet<>();

    /**
     * Registers {@code parentDir/name} and {@code /bus/<bus>/devices/name}, or neither.
     *
     * @return the entry that already existed
     */
    synchronized Optional<Duplicate> add(String parentDir, String bus, String name) {
        String dir = parentDir + "/" + name;
        if (entries.contains(dir)) {
            return Optional.of(new Duplicate(dir, true));
        }
        String link = "/bus/" + bus + "/devices/" + name;
        if (entries.contains(link)) {
            return Optional.of(new Duplicate(link, false));
        }
        entries.add(dir);
        entries.add(link);
        return Optional.empty();
    }
}
