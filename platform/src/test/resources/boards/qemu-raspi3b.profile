# QEMU 7.2 -M raspi3b -m 1G with Debian's bcm2837-rpi-3-b.dtb given as -dtb: QEMU keeps the
# VideoCore's 64 MiB (vcram-size) and writes /memory reg = <0 0x3c000000>; it loads the Image at
# 2 MiB and the blob, (file size + 10000) x 2 bytes, at min(RAM / 2, 128 MiB).
name = qemu-raspi3b
arch = arm64
dtb = bcm2837-rpi-3-b.dtb
mem = 960M@0
dtb.size = qemu-dtb
cmdline = console=ttyAMA0 earlycon loglevel=8 panic=-1
