package org.dmasim.swiotlb;

import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

/**
 * The swiotlb backend's settings, as Metatype-aware tools list and edit them: the configuration
 * {@value LateSize#PID}, one for every platform. Member names are the keys ({@code late_size} is
 * {@value LateSize#KEY}); the component reads them as {@link LateSize} does.
 */
@ObjectClassDefinition(id = LateSize.PID, name = "dmasim swiotlb backend",
    description = "The software IO TLB of every platform. Changing it replaces each running platform's swiotlb"
        + " instance (the old pool drains); it never re-boots a platform.")
@interface SwiotlbConfiguration {
    @AttributeDefinition(name = "Late pool size", required = false, description = "The size swiotlb_init_late is"
        + " called with for a pool made on a running platform (when this configuration changes, or the backend"
        + " comes back): bytes with an optional K, M or G suffix, more than 1M. Rounded up to a block of the page"
        + " allocator; larger than its largest block (4M), the largest block that is free, with 'only able to"
        + " allocate N MB'. Default: the command line's size (swiotlb= or 64M). The boot pool is never affected.")
    String late_size();
}
