/**
 * kmalloc and kfree as drivers use them for DMA buffers ({@code mm/slab_common.c},
 * {@code mm/slub.c}): the kmalloc size classes, the architecture's minimum alignment, and the
 * page allocator behind them.
 */
@org.osgi.annotation.bundle.Export
@org.osgi.annotation.versioning.Version("1.1.0")
package org.dmasim.api.slab;
