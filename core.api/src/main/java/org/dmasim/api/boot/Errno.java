package org.dmasim.api.boot;

/** The errno values the modelled kernel code returns (negated, as the kernel does). */
public final class Errno {
    public static final int ENOENT = 2;
    public static final int EIO = 5;
    public static final int ENXIO = 6;
    public static final int ENOMEM = 12;
    public static final int EBUSY = 16;
    public static final int EEXIST = 17;
    public static final int EINVAL = 22;
    public static final int ENOSPC = 28;

    private Errno() {
    }
}
