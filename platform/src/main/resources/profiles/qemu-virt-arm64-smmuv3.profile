# QEMU virt with an SMMUv3 (-M virt,iommu=smmuv3 -cpu cortex-a57 -m 4G): the device tree QEMU 7.2
# generates for it (the SMMU at 0x9050000, the PCI host bridge's iommu-map sending every requester
# ID to it as stream ID), plus QEMU's edu PCI device at 0000:00:02.0, Debian 12's arm64 Linux 6.1.
name = qemu-virt-arm64-smmuv3
description = QEMU virt 4 GiB arm64 with an SMMUv3 and the edu PCI device behind it
inherit = qemu-virt-arm64
dtb = qemu-virt-arm64-smmuv3.dts
backends = mm.buddy, mm.slab, cma, swiotlb, atomicpool, dma.core, dmapool, iommu.smmu
