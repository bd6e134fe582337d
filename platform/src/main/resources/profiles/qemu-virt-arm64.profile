# QEMU virt (-M virt -cpu cortex-a57 -m 4G), direct kernel boot without UEFI: the device tree
# QEMU 7.2 generates, 4 GiB of RAM at 0x40000000, one CPU, Debian 12's arm64 kernel config.
name = qemu-virt-arm64
description = QEMU virt, 4 GiB at 0x40000000, 1 CPU, Debian 12 arm64 Linux 6.1
arch = arm64
dtb = qemu-virt-arm64.dts
cmdline = console=ttyAMA0 earlycon
# QEMU builds a 1 MiB blob for the tree it generates and loads the Image at RAM + 2 MiB, the
# blob at RAM + 128 MiB.
dtb.size = 1M
