package org.dmasim.dmapool;

import java.util.List;
import java.util.Optional;
import org.dmasim.api.mem.KernelVm;
import org.dmasim.api.mem.MemAttr;
import org.dmasim.api.mem.PhysMemory;
import org.dmasim.api.mem.VmArea;

/** Test kernel VM: only the arm64 linear map over {@link FakeRam} (no vmalloc aliases). */
final class FakeVm implements KernelVm {
    static final long PAGE_OFFSET = 0xffff_0000_0000_0000L;
    private final FakeRam ram;

    FakeVm(FakeRam ram) {
        this.ram = ram;
    }

    @Override
    public long linearAddress(long phys) {
        return PAGE_OFFSET + (phys - FakeRam.BASE);
    }

    @Override
    public long toPhys(long kva) {
        if (!isLinear(kva)) {
            throw new IllegalArgumentException(String.format("%#x is not a linear-map address", kva));
        }
        return kva - PAGE_OFFSET + FakeRam.BASE;
    }

    @Override
    public boolean isLinear(long kva) {
        return Long.compareUnsigned(kva, PAGE_OFFSET) >= 0 && Long.compareUnsigned(kva - PAGE_OFFSET,
            ram.bytes.length) < 0;
    }

    @Override
    public boolean isVmalloc(long kva) {
        return false;
    }

    @Override
    public long vmap(long phys, long size, MemAttr attr, String caller) {
        throw new UnsupportedOperationException("test VM has no vmalloc space");
    }

    @Override
    public void vunmap(long kva) {
        throw new UnsupportedOperationException("test VM has no vmalloc space");
    }

    @Override
    public Optional<VmArea> findVmArea(long kva) {
        return Optional.empty();
    }

    @Override
    public List<VmArea> vmAreas() {
        return List.of();
    }

    @Override
    public MemAttr attr(long kva) {
        return MemAttr.NORMAL;
    }

    @Override
    public void cpuRead(long kva, byte[] dst, int off, int len) {
        ram.read(toPhys(kva), dst, off, len);
    }

    @Override
    public void cpuWrite(long kva, byte[] src, int off, int len) {
        ram.write(toPhys(kva), src, off, len);
    }

    @Override
    public void cpuFill(long kva, long len, byte value) {
        ram.fill(toPhys(kva), len, value);
    }

    @Override
    public long pageStruct(long pfn) {
        throw new UnsupportedOperationException();
    }

    @Override
    public long pageStructToPfn(long addr) {
        return -1;
    }

    @Override
    public PhysMemory memory() {
        return ram;
    }
}
