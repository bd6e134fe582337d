package org.dmasim.shell.format;

import org.dmasim.api.platform.Platform;

/** One row of {@code dmasim:platforms}. */
public class PlatformDTO {
    public String name;
    /** {@code x86_64}, {@code arm64}, or {@code ?} when the spec could not be built. */
    public String arch;
    /** The Linux version the platform runs ({@code 6.1}, {@code 6.12}), or {@code ?} without a spec. */
    public String kernel;
    /** {@link Platform.State} name. */
    public String state;
    /** Why the platform is FAILED or WAITING; null when BOOTED. */
    public String failure;

    /** A snapshot of {@code platform}; never throws, whatever state the platform is in. */
    public static PlatformDTO of(Platform platform) {
        PlatformDTO dto = new PlatformDTO();
        dto.name = platform.name();
        dto.state = String.valueOf(platform.state());
        dto.failure = platform.failure().orElse(null);
        try {
            dto.arch = platform.spec().arch().id();
            dto.kernel = platform.spec().kernel().toString();
        } catch (RuntimeException e) { // a FAILED platform may have no spec
            dto.arch = "?";
            dto.kernel = "?";
        }
        return dto;
    }

    @Override
    public String toString() {
        return ShellFormatter.format(this);
    }
}
