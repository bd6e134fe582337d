package org.dmasim.platform.dt;

/** One DTS text and the name its errors carry (usually the file path). */
public record DtsSource(String name, String text) {
    public DtsSource {
        if (name == null || text == null) {
            throw new IllegalArgumentException("name and text are required");
        }
    }
}
