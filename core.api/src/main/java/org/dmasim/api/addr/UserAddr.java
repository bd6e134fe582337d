package org.dmasim.api.addr;

/**
 * A user virtual address ({@code void __user *}): an address in a simulated process, as
 * {@code mmap} returns it and {@code get_user_pages} takes it.
 *
 * @param value the address, an unsigned 64-bit number
 */
public record UserAddr(long value) {
    public static UserAddr of(long userAddr) {
        return new UserAddr(userAddr);
    }

    @Override
    public String toString() {
        return "user 0x" + Long.toHexString(value);
    }
}
