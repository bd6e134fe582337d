package org.dmasim.iommu.smmu.hw;

/**
 * SMMUv3 command queue entries (two dwords): the opcodes and field positions both the driver
 * ({@code arm_smmu_cmdq_build_cmd}) and the hardware's consumer use.
 */
public final class SmmuCommand {
    public static final int PREFETCH_CFG = 0x01;
    public static final int CFGI_STE = 0x03;
    public static final int CFGI_ALL = 0x04;
    public static final int CFGI_CD = 0x05;
    public static final int CFGI_CD_ALL = 0x06;
    public static final int TLBI_NH_ASID = 0x11;
    public static final int TLBI_NH_VA = 0x12;
    public static final int TLBI_NSNH_ALL = 0x30;
    public static final int CMD_SYNC = 0x46;

    /** Highest opcode value + 1, for per-opcode counters. */
    public static final int OPCODES = 0x100;

    private SmmuCommand() {
    }

    /** dw0 bits 7:0. */
    public static int opcode(long dw0) {
        return (int) (dw0 & 0xff);
    }

    /** The architecture's name of an opcode ({@code CMD_} prefix dropped except for SYNC). */
    public static String name(int opcode) {
        return switch (opcode) {
            case PREFETCH_CFG -> "PREFETCH_CFG";
            case CFGI_STE -> "CFGI_STE";
            case CFGI_ALL -> "CFGI_ALL";
            case CFGI_CD -> "CFGI_CD";
            case CFGI_CD_ALL -> "CFGI_CD_ALL";
            case TLBI_NH_ASID -> "TLBI_NH_ASID";
            case TLBI_NH_VA -> "TLBI_NH_VA";
            case TLBI_NSNH_ALL -> "TLBI_NSNH_ALL";
            case CMD_SYNC -> "CMD_SYNC";
            default -> String.format("opcode 0x%02x", opcode);
        };
    }

    /** StreamID field of PREFETCH_CFG / CFGI_*: dw0 bits 63:32. */
    public static int sid(long dw0) {
        return (int) (dw0 >>> 32);
    }

    /** ASID of TLBI_NH_*: dw0 bits 63:48. */
    public static int asid(long dw0) {
        return (int) (dw0 >>> 48);
    }

    /** NUM of a range TLBI: dw0 bits 16:12. */
    public static int num(long dw0) {
        return (int) (dw0 >>> 12) & 0x1f;
    }

    /** SCALE of a range TLBI: dw0 bits 24:20. */
    public static int scale(long dw0) {
        return (int) (dw0 >>> 20) & 0x1f;
    }

    /** TTL: dw1 bits 9:8. */
    public static int ttl(long dw1) {
        return (int) (dw1 >>> 8) & 3;
    }

    /** TG: dw1 bits 11:10. */
    public static int tg(long dw1) {
        return (int) (dw1 >>> 10) & 3;
    }

    /** The address of TLBI_NH_VA: dw1 bits 63:12. */
    public static long address(long dw1) {
        return dw1 & ~0xfffL;
    }
}
