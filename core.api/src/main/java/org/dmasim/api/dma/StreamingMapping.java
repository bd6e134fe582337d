package org.dmasim.api.dma;

import java.util.Optional;
import org.dmasim.api.backend.BackendInstance;
import org.dmasim.api.device.DmaDevice;
import org.osgi.annotation.versioning.ProviderType;

/**
 * One streaming mapping as dma.core records it: what the driver asked for, which {@link DmaOps}
 * made it, and the backend instance (a swiotlb pool, an IOMMU domain) whose resources it holds,
 * so that its unmap and syncs go back to them whatever the device uses by then.
 *
 * <p>dma.core creates the record and hands it to the ops' map call; the ops read the request
 * from it and, when they put the mapping into a backend instance, say so with
 * {@link #holdBackend}. Afterwards the same record comes back with every unmap and sync of the
 * mapping. A scatter-gather mapping is one record for the whole list.
 */
@ProviderType
public interface StreamingMapping {
    /** The API family that made it, by DMA-API debug's type names ({@code type2name}). */
    enum Kind {
        /** {@code dma_map_single}, {@code dma_map_page}. */
        SINGLE("single"),
        /** {@code dma_map_sg}, {@code dma_map_sgtable}. */
        SG("scather-gather"),
        /** {@code dma_map_resource}. */
        RESOURCE("resource");

        private final String debugName;

        Kind(String debugName) {
            this.debugName = debugName;
        }

        /** The name DMA-API debug prints (6.1 spells the scatter-gather one {@code scather-gather}). */
        public String debugName() {
            return debugName;
        }
    }

    DmaDevice device();

    Kind kind();

    /** The first CPU physical byte mapped (the first entry's, for a scatter-gather list). */
    long phys();

    /** The bytes mapped: the size of the call, the sum of the entries for a list. */
    long size();

    DmaDirection direction();

    /** The DMA_ATTR_* bits of the map call. */
    long attrs();

    /** What the map returned (the first DMA segment's address for a list); DMA_MAPPING_ERROR before. */
    long dmaHandle();

    /** The list of a scatter-gather mapping, else null. */
    SgTable sg();

    /** {@code nents} of the {@code dma_map_sg} call (0 unless SG). */
    int sgCallEnts();

    /** DMA segments the map produced (0 unless SG). */
    int sgMappedEnts();

    /** The ops that made it; its unmap and syncs go to them. */
    DmaOps ops();

    /** The backend instance whose resources the mapping holds, if the ops used one. */
    Optional<BackendInstance> backend();

    /** What the ops asked to keep with {@link #holdBackend} (a first slot, an IOVA). */
    long backendCookie();

    /**
     * For the ops during a map call: the mapping holds resources of {@code instance} (takes one
     * holding of it, {@link BackendInstance#tryHold}), with {@code cookie} to find them again.
     *
     * @return false when the instance is no longer ACTIVE: the ops must not use it
     * @throws IllegalStateException when the mapping already holds a backend
     */
    boolean holdBackend(BackendInstance instance, long cookie);

    /**
     * Whether the backend holding it was forced out: the mapping no longer exists anywhere, its
     * syncs and unmap are refused, and device access through its bus address faults.
     */
    boolean revoked();
}
