# qemu-virt-arm64 plus the test devices of the real-kernel run-time observations: a
# non-coherent and a coherent platform device, one with a 4 MiB no-map coherent pool, one with a
# 16 MiB per-device CMA area, and one behind a bus whose dma-ranges offset it by 1 GiB.
name = qemu-virt-arm64-testdevs
description = QEMU virt 4 GiB arm64 with the DMA test devices of the runtime oracle
inherit = qemu-virt-arm64
dtb = qemu-virt-arm64-testdevs.dts
