package org.dmasim.api.addr;

/**
 * A CPU physical address ({@code phys_addr_t}): where a byte lies in RAM or MMIO space.
 *
 * @param value the address, an unsigned 64-bit number
 */
public record PhysAddr(long value) {
    public static PhysAddr of(long phys) {
        return new PhysAddr(phys);
    }

    @Override
    public String toString() {
        return "phys 0x" + Long.toHexString(value);
    }
}
