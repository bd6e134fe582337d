/**
 * Simulated memory: the sparse physical RAM of a platform, the CPU data cache in front of it
 * (with the views through which the CPU and devices reach memory), and the kernel virtual address
 * space (linear map and vmalloc aliases) through which the simulated CPU reaches it.
 */
@org.osgi.annotation.bundle.Export
@org.osgi.annotation.versioning.Version("1.2.0")
package org.dmasim.api.mem;
