package org.dmasim.launcher;

import java.io.IOException;
import java.io.InputStream;
import java.net.URL;
import java.util.Enumeration;
import java.util.jar.Manifest;

/**
 * What {@code dmasim --version} and the shell's banner say: dmasim's version (the launcher
 * bundle's), the kernel it models, and the Java it runs on.
 */
final class DmasimVersion {
    /** The kernel whose DMA memory subsystem dmasim reproduces. */
    static final String KERNEL = "Linux 6.1";
    private static final String SYMBOLIC_NAME = "org.dmasim.launcher";

    private DmasimVersion() {
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
            "kernel modelled: " + KERNEL + " (Debian 12), the DMA memory subsystem",
            "Java " + System.getProperty("java.version") + " (" + System.getProperty("java.vm.name") + ", "
                + System.getProperty("java.vendor") + ")");
    }
}
