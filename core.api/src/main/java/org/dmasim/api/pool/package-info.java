/** The atomic coherent pools of kernel/dma/pool.c. */
@org.osgi.annotation.bundle.Export
@org.osgi.annotation.versioning.Version("1.0.0")
package org.dmasim.api.pool;
