package org.dmasim.dma.core;

/**
 * 128 bytes before the words one mapping thread writes on every map and unmap (its
 * {@link MappingTable}, its {@link DirectSingleTable} with the front slot). The JVM lays out a
 * superclass's fields first, so these keep the owner's words two cache lines away from the
 * object's header and from whatever the collector puts before the object: another thread's
 * shard record, which that thread reads on each of its calls to find its own shard. Each table
 * ends with as much padding of its own, in the subclass below its words (the JVM places a
 * class's references after its primitives, so the words with references sit in a class of their
 * own).
 */
abstract class OwnerPad {
    /** Takes the 4-byte hole after a compressed object header, where the JVM would put a subclass's int. */
    @SuppressWarnings("unused")
    private int headerGap;
    @SuppressWarnings("unused")
    private long p1, p2, p3, p4, p5, p6, p7, p8, p9, p10, p11, p12, p13, p14, p15, p16;
}
