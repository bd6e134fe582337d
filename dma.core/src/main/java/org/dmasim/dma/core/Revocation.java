package org.dmasim.dma.core;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import org.dmasim.api.backend.BackendInstance;
import org.dmasim.api.dma.CoherentBuffer;
import org.dmasim.api.dma.DmaDirection;
import org.dmasim.api.dma.DmaOps;
import org.dmasim.api.dma.StreamingMapping;
import org.dmasim.dma.core.debug.DmaDebug;
import org.dmasim.dma.core.debug.EntryType;

/**
 * A forced-out backend instance's revocation in dma.core: every streaming mapping and coherent
 * buffer recorded as holding it is revoked (a mapping's ops make its data safe first, {@link
 * DmaOps#revoke}), its DMA-API debugging entries go with it, later use is refused, and each
 * device that held some is reported as {@code dma_debug_device_change} reports a driver unbound
 * with live DMA.
 */
final class Revocation {
    private final DmaMapping api;
    private final AllocationTracker tracker;
    /** DMA-API debugging, or null. */
    private final DmaDebug debug;

    Revocation(DmaMapping api, AllocationTracker tracker, DmaDebug debug) {
        this.api = api;
        this.tracker = tracker;
        this.debug = debug;
    }

    /**
     * Revokes what dma.core recorded as holding {@code instance}: streaming mappings (their ops make
     * the data safe first, {@link DmaOps#revoke}) and coherent buffers. Each device that held some
     * is reported as {@code dma_debug_device_change} reports a driver unbound with live DMA.
     */
    void revoke(List<Device> all, BackendInstance instance, Consumer<String> report) {
        List<AllocationTracker.Coherent> buffers = tracker.revoke(instance);
        for (Device d : all) {
            List<Leaked> leaked = new ArrayList<>();
            for (Mapping m : d.mappings()) {
                if (m.holds(instance)) {
                    m.ops.revoke(m);
                    d.revoke(m, instance.id());
                    forgetDebugEntries(m);
                    leaked.add(new Leaked(m.dmaHandle, m.size, m.dir, api.typeName(StreamingApi.entryType(m.kind))));
                    report.accept("dmasim: " + m + " revoked: " + instance.id() + " was forced out");
                }
            }
            for (AllocationTracker.Coherent c : buffers) {
                if (!c.buffer().device().equals(d.name())) {
                    continue;
                }
                CoherentBuffer b = c.buffer();
                if (debug != null) {
                    boolean coherent = AllocationTracker.isCoherent(b);
                    debug.forget(d, coherent ? EntryType.COHERENT : EntryType.SINGLE, b.dmaHandle(), b.size(),
                        DmaDirection.BIDIRECTIONAL, 0);
                }
                leaked.add(new Leaked(b.dmaHandle(), b.size(), DmaDirection.BIDIRECTIONAL, api.bufferType(b)));
                report.accept(String.format("dmasim: %s %s buffer dma 0x%x (%d bytes, %s) revoked: %s was forced out",
                    d.name(), api.bufferType(b), b.dmaHandle(), b.size(), b.source().label(), instance.id()));
            }
            if (!leaked.isEmpty()) {
                Leaked one = leaked.get(leaked.size() - 1);
                DmaDebug.leakReport(d, leaked.size(), one.dma(), one.size(), one.dir(), one.type()).forEach(report);
            }
        }
    }

    /** One revoked mapping or buffer, as the leak report describes it. */
    private record Leaked(long dma, long size, DmaDirection dir, String type) {
    }

    /** A revoked mapping is gone without an unmap: its DMA-API debug entries go with it. */
    private void forgetDebugEntries(Mapping m) {
        if (debug == null) {
            return;
        }
        EntryType type = StreamingApi.entryType(m.kind);
        if (m.kind != StreamingMapping.Kind.SG) {
            debug.forget(m.dev, type, m.dmaHandle, m.size, m.dir, 0);
            return;
        }
        for (int i = 0; i < m.sgMappedEnts(); i++) {
            debug.forget(m.dev, type, m.sg().dmaAddress(i), m.sg().dmaLength(i), m.dir, m.sgCallEnts());
        }
    }
}
