package org.dmasim.shell.format;

import java.util.List;
import org.dmasim.api.platform.LogLine;
import org.dmasim.api.platform.Platform;

/** The boot log of one platform ({@code dmasim:bootlog}). */
public class BootLogDTO {
    public String platform;
    public List<LogLine> lines;

    public static BootLogDTO of(Platform platform) {
        BootLogDTO dto = new BootLogDTO();
        dto.platform = platform.name();
        dto.lines = platform.bootLog().lines();
        return dto;
    }

    @Override
    public String toString() {
        return ShellFormatter.format(this);
    }
}
