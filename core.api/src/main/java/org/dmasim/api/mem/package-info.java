/**
 * Simulated memory: the sparse physical RAM of a platform and the kernel virtual address
 * space (linear map and vmalloc aliases) through which the simulated CPU reaches it.
 */
@org.osgi.annotation.bundle.Export
@org.osgi.annotation.versioning.Version("1.0.0")
package org.dmasim.api.mem;
