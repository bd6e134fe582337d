# QEMU pc (i440FX + PIIX, SeaBIOS, -m 4G): 3 GiB below the PCI hole, 1 GiB above 4 GiB.
# nokaslr keeps the kernel at 16 MiB, as in the reference boots.
name = pc-x86_64
description = QEMU pc with SeaBIOS, 4 GiB, 1 CPU, Debian 12 amd64 Linux 6.1
arch = x86_64
e820 = pc-x86_64.e820
cmdline = console=ttyS0 nokaslr
cpus = 1
