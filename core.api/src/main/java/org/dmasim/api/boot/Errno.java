package org.dmasim.api.boot;

/** The errno values the modelled kernel code returns (negated, as the kernel does). */
public final class Errno {
    public static final int ENOENT = 2;
    /** A signal interrupted a system call that is not restarted (what user space sees of ERESTARTSYS). @since 2.5 */
    public static final int EINTR = 4;
    public static final int EIO = 5;
    public static final int ENXIO = 6;
    public static final int ENOMEM = 12;
    /** A bad user address (get_user_pages over a hole or a VM_IO/VM_PFNMAP mapping). @since 2.5 */
    public static final int EFAULT = 14;
    public static final int EBUSY = 16;
    public static final int EEXIST = 17;
    public static final int EINVAL = 22;
    public static final int ENOSPC = 28;
    /** A device did not complete in time. @since 2.5 */
    public static final int ETIMEDOUT = 110;
    /**
     * A sleep was interrupted by a signal; the system call layer restarts the call or returns
     * EINTR to user space (include/linux/errno.h, never seen by user space itself). @since 2.5
     */
    public static final int ERESTARTSYS = 512;

    private Errno() {
    }
}
