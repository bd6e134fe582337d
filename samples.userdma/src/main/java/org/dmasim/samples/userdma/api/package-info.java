/**
 * User-space DMA, as a sample driver does it on a simulated process: a coherent buffer shared
 * through {@code mmap} ({@code dma_mmap_coherent}), and user buffers pinned
 * ({@code pin_user_pages}), built into a scatter-gather table and moved by a device in chunks.
 * {@link org.dmasim.samples.userdma.api.UserDma} (a service) makes processes and probes the driver.
 */
@org.osgi.annotation.bundle.Export
@org.osgi.annotation.versioning.Version("1.0.0")
package org.dmasim.samples.userdma.api;
