package org.dmasim.shell.format;

/** One {@code /proc} file of one platform ({@code dmasim:buddyinfo} and friends). */
public class ProcViewDTO {
    public String platform;
    /** {@link ProcView#id()}. */
    public String view;
    /** The file's content, in the kernel's format. */
    public String text;

    public static ProcViewDTO of(String platform, ProcView view, String text) {
        ProcViewDTO dto = new ProcViewDTO();
        dto.platform = platform;
        dto.view = view.id();
        dto.text = text;
        return dto;
    }

    @Override
    public String toString() {
        return ShellFormatter.format(this);
    }
}
