package org.dmasim.shell.internal;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.TreeMap;
import org.dmasim.api.device.DmaDevice;
import org.dmasim.api.iommu.Iommu;
import org.dmasim.api.iommu.IommuCounters;
import org.dmasim.api.iommu.IommuDomainInfo;
import org.dmasim.api.iommu.IommuGroupInfo;

/**
 * An IOMMU for command tests: one unit, groups set by the test, the answers the test gives, and
 * a record of what the commands asked (the values written, the time advanced, the ranges dumped).
 */
final class FakeIommu implements Iommu {
    static final String UNIT = "arm-smmu-v3 9050000.smmuv3";

    final TreeMap<Integer, String> types = new TreeMap<>();
    final List<String> devices = new ArrayList<>();
    final List<String> written = new ArrayList<>();
    final List<String> faultLog = new ArrayList<>();
    final List<IommuDomainInfo> domains = new ArrayList<>();
    List<String> iova = List.of();
    /** What the next group type write returns and prints. */
    TypeWrite nextWrite;
    long staleHits;
    long now;
    /** The timers {@link #advance} reports fired, per call. */
    int timersPerAdvance;
    long[] lastDump;

    FakeIommu group(int id, String type, String device) {
        types.put(id, type);
        devices.add(device);
        return this;
    }

    @Override
    public List<String> units() {
        return List.of(UNIT);
    }

    @Override
    public List<IommuGroupInfo> groups() {
        List<IommuGroupInfo> out = new ArrayList<>();
        types.forEach((id, type) -> out.add(new IommuGroupInfo(id, type, List.of(devices.get(id)), id + 1, UNIT)));
        return out;
    }

    @Override
    public Optional<IommuGroupInfo> group(DmaDevice dev) {
        return groups().stream().filter(g -> g.devices().contains(dev.name())).findFirst();
    }

    private void exists(int group) {
        if (!types.containsKey(group)) {
            throw new IllegalArgumentException("/sys/kernel/iommu_groups/" + group + ": no such group");
        }
    }

    @Override
    public String readGroupType(int group) {
        exists(group);
        return types.get(group);
    }

    @Override
    public TypeWrite writeGroupType(int group, String value) {
        exists(group);
        written.add(value);
        if (nextWrite.result() > 0) {
            types.put(group, value.strip());
        }
        return nextWrite;
    }

    @Override
    public List<IommuDomainInfo> domains() {
        return List.copyOf(domains);
    }

    @Override
    public List<String> pageTable(DmaDevice dev, long iova, long size) {
        lastDump = new long[] {iova, size};
        if (iova == 0) {
            return List.of();
        }
        return List.of(String.format("%s 0x%x +0x%x", dev.name(), iova, size));
    }

    @Override
    public List<String> iovaRanges(DmaDevice dev) {
        return iova;
    }

    @Override
    public List<String> faultLog() {
        return List.copyOf(faultLog);
    }

    @Override
    public IommuCounters counters() {
        return new IommuCounters(7, 3, 4, staleHits, 2, 0, 1, 1, 9, 5, 1);
    }

    @Override
    public long now() {
        return now;
    }

    @Override
    public int advance(long nanos) {
        if (nanos < 0) {
            throw new IllegalArgumentException("negative time");
        }
        now += nanos;
        return timersPerAdvance;
    }
}
