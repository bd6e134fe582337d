# Two 2 GiB DRAM banks split around 4 GiB, 4 CPUs, no IOMMU, non-coherent DMA masters, a
# 32-bit DMA engine, and CMA from a device-tree reserved-memory node kept in the low bank.
name = arm64-split-4g
description = arm64 board, 2 GiB @ 0x40000000 + 2 GiB @ 0x400000000, 4 CPUs, DT CMA, non-coherent
arch = arm64
dtb = arm64-split-4g.dts
cmdline = console=ttyAMA0 earlycon
# Loaded as QEMU's virt machine loads its kernel: a 1 MiB blob at RAM + 128 MiB.
dtb.size = 1M
