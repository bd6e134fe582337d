package org.dmasim.shell.format;

import java.util.List;

/**
 * The live streaming mappings of a platform ({@code dma:mappings}), one {@link MappingDTO} each; an
 * element passes to the matching unmap as a map's result does ({@code ($l mappings) get 0}).
 */
public class MappingsDTO {
    public String platform;
    public List<MappingDTO> mappings;

    public static MappingsDTO of(String platform, List<MappingDTO> mappings) {
        MappingsDTO d = new MappingsDTO();
        d.platform = platform;
        d.mappings = List.copyOf(mappings);
        return d;
    }

    @Override
    public String toString() {
        return ShellFormatter.mappings(mappings);
    }
}
