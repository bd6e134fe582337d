package org.dmasim.devices;

/**
 * The 16-byte ring descriptor the network device and its driver share, little-endian as both
 * simulated architectures store it:
 *
 * <pre>
 *  0  u64 buffer     bus address of the buffer (dma_addr_t)
 *  8  u16 bufLen     TX: frame length; RX: the posted buffer's size
 * 10  u16 frameLen   RX: bytes the device wrote (0 for TX)
 * 12  u32 status     bit 31 OWN (the device owns it), bit 0 DONE, bit 1 ERR
 * </pre>
 */
record Desc(long buffer, int bufLen, int frameLen, int status) {
    static final int SIZE = 16;
    static final int OWN = 1 << 31;
    static final int DONE = 1;
    static final int ERR = 2;

    boolean owned() {
        return (status & OWN) != 0;
    }

    boolean done() {
        return (status & DONE) != 0;
    }

    boolean error() {
        return (status & ERR) != 0;
    }

    byte[] bytes() {
        byte[] b = new byte[SIZE];
        for (int i = 0; i < 8; i++) {
            b[i] = (byte) (buffer >>> (8 * i));
        }
        b[8] = (byte) bufLen;
        b[9] = (byte) (bufLen >>> 8);
        b[10] = (byte) frameLen;
        b[11] = (byte) (frameLen >>> 8);
        for (int i = 0; i < 4; i++) {
            b[12 + i] = (byte) (status >>> (8 * i));
        }
        return b;
    }

    static Desc of(byte[] b) {
        long buffer = 0;
        for (int i = 7; i >= 0; i--) {
            buffer = buffer << 8 | (b[i] & 0xff);
        }
        int status = 0;
        for (int i = 15; i >= 12; i--) {
            status = status << 8 | (b[i] & 0xff);
        }
        return new Desc(buffer, (b[8] & 0xff) | (b[9] & 0xff) << 8, (b[10] & 0xff) | (b[11] & 0xff) << 8, status);
    }
}
