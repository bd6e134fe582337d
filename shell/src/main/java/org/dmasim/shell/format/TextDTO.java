package org.dmasim.shell.format;

/** A command result that is text in a kernel format (a /proc, sysfs or debugfs file, a log excerpt). */
public class TextDTO {
    public String platform;
    /** What the text is, e.g. "/proc/meminfo" or "/sys/kernel/debug/cma/reserved/used". */
    public String title;
    public String text;

    public static TextDTO of(String platform, String title, String text) {
        TextDTO d = new TextDTO();
        d.platform = platform;
        d.title = title;
        d.text = text;
        return d;
    }
}
