package org.dmasim.launcher;

import java.io.IOException;
import java.io.InputStream;
import java.net.URL;
import java.util.Enumeration;
import java.util.jar.Manifest;

/**
 * What {@code dmasim --version} and the shell's banner say: dmasim's version (the launcher
 * bundle's), the kernels it models (those whose Kconfig defaults ship), and the Java it runs on.
 */
final class DmasimVersion {
    private static final String SYMBOLIC_NAME = "org.dmasim.launcher";

    private DmasimVersion() {
    }

    /** {@code Linux 6.1 (Debian 12, 6.1.192; the default), Linux 6.12 (...)}. */
    static String kernels() {
        java.util.List<String> out = new java.util.ArrayList<>();
        for (org.dmasim.api.platform.KernelVersion k : org.dmasim.api.platform.Kconfig.kernels()) {
            String build = org.dmasim.api.platform.Kconfig.build(k);
            boolean dflt = k.equals(org.dmasim.api.platform.Kconfig.defaultKernel());
            String note = build.isEmpty() ? (dflt ? "the default" : "") : build + (dflt ? "; the default" : "");
            out.add("Linux " + k + (note.isEmpty() ? "" : " (" + note + ")"));
        }
        return String.join(", ", out);
    }

    /** {@code 0.1.0-SNAPSHOT}: the launcher bundle's version, Maven style; "unknown" when not packaged. */
    static String version() {
        try {
            Enumeration<URL> manifests = DmasimVersion.class.getClassLoader().getResources("META-INF/MANIFEST.MF");
            while (manifests.hasMoreElements()) {
                try (InputStream in = manifests.nextElement().openStream()) {
                    var attributes = new Manifest(in).getMainAttributes();
                    String bsn = attributes.getValue("Bundle-SymbolicName");
                    if (bsn != null && bsn.split(";")[0].trim().equals(SYMBOLIC_NAME)) {
                        return maven(attributes.getValue("Bundle-Version"));
                    }
                }
            }
        } catch (IOException e) {
            // fall through: the version is unknown, nothing else is wrong
        }
        return "unknown";
    }

    /** An OSGi version {@code 0.1.0.SNAPSHOT} as Maven writes it: {@code 0.1.0-SNAPSHOT}. */
    static String maven(String osgi) {
        if (osgi == null) {
            return "unknown";
        }
        return osgi.endsWith(".SNAPSHOT") ? osgi.substring(0, osgi.length() - ".SNAPSHOT".length()) + "-SNAPSHOT" : osgi;
    }

    /** The lines of {@code dmasim --version}. */
    static String text() {
        return String.join("\n",
            "dmasim " + version(),
            "kernels modelled: " + kernels() + ", the DMA memory subsystem",
            "Java " + System.getProperty("java.version") + " (" + System.getProperty("java.vm.name") + ", "
                + System.getProperty("java.vendor") + ")");
    }
}
