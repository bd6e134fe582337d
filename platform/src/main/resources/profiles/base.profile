# The root every profile inherits (a profile without 'inherit' inherits this one): what every
# platform has unless its profile says otherwise.
#
# backends: the backends a platform needs, the one list the platform waits for before it boots
# (besides the backend of its architecture, which 'arch' names). Each is a bundle whose boot
# participant carries dmasim.backend=<name>. cma, swiotlb, atomicpool and dmapool can be stopped
# or replaced while the platform runs (their instances drain); losing mm.buddy, mm.slab or
# dma.core re-boots the platform once they are back.
backends = mm.buddy, mm.slab, cma, swiotlb, atomicpool, dma.core, dmapool
