package org.dmasim.itests;

import static org.ops4j.pax.exam.CoreOptions.bundle;
import static org.ops4j.pax.exam.CoreOptions.composite;
import static org.ops4j.pax.exam.CoreOptions.frameworkProperty;
import static org.ops4j.pax.exam.CoreOptions.junitBundles;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.JarURLConnection;
import java.net.URL;
import java.util.ArrayList;
import java.util.Enumeration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.jar.Manifest;
import org.ops4j.pax.exam.Option;

/**
 * Pax Exam options that provision dmasim: the runtime (DS, Config Admin, Gogo) and every dmasim
 * bundle. Use {@link #dmasim()} in a {@code @Configuration} method, or extend
 * {@link DmasimTestSupport}, which does.
 *
 * <p>Bundles are installed from their jar files on the test class path, looked up by
 * Bundle-SymbolicName, so a test always runs against the jars this build just made (a
 * {@code mavenBundle()} URL would pick whatever was last {@code mvn install}ed). To add a bundle
 * of your own: make it a test dependency of your module and pass its symbolic name to
 * {@link #bundleOnClassPath(String)}.
 */
public final class DmasimOptions {
    /** dmasim's bundles, in installation order (API first). */
    public static final List<String> DMASIM_BUNDLES = List.of(
        "org.dmasim.core.api",
        "org.dmasim.platform",
        "org.dmasim.mm.buddy",
        "org.dmasim.mm.slab",
        "org.dmasim.cma",
        "org.dmasim.swiotlb",
        "org.dmasim.atomicpool",
        "org.dmasim.dma.core",
        "org.dmasim.dmapool",
        "org.dmasim.iommu.smmu",
        "org.dmasim.arch.x86",
        "org.dmasim.arch.arm64",
        "org.dmasim.shell",
        "org.dmasim.devices",
        "org.dmasim.samples.userdma",
        "org.dmasim.launcher");

    /** What dmasim needs around it: Declarative Services (and its API), Config Admin, Gogo. */
    public static final List<String> RUNTIME_BUNDLES = List.of(
        "org.osgi.util.function",
        "org.osgi.util.promise",
        "org.osgi.service.component",
        "org.apache.felix.scr",
        "org.apache.felix.configadmin",
        "org.apache.felix.gogo.runtime",
        "org.apache.felix.gogo.command",
        "org.apache.felix.gogo.shell");

    private static Map<String, URL> jarsBySymbolicName;

    private DmasimOptions() {
    }

    /** JUnit, the runtime and all dmasim bundles, with Gogo's console kept off stdin. */
    public static Option dmasim() {
        List<Option> options = new ArrayList<>();
        options.add(junitBundles());
        // gogo.shell would otherwise read the test JVM's stdin and stop the framework at its end
        options.add(frameworkProperty("gosh.args").value("--nointeractive --noshutdown"));
        for (String bsn : RUNTIME_BUNDLES) {
            options.add(bundleOnClassPath(bsn));
        }
        for (String bsn : DMASIM_BUNDLES) {
            options.add(bundleOnClassPath(bsn));
        }
        return composite(options.toArray(new Option[0]));
    }

    /**
     * The jar on the test class path whose Bundle-SymbolicName is {@code symbolicName}, as a
     * bundle to install and start.
     *
     * @throws IllegalStateException naming the bundle when no such jar is on the class path
     */
    public static Option bundleOnClassPath(String symbolicName) {
        URL jar = jars().get(symbolicName);
        if (jar == null) {
            throw new IllegalStateException("bundle " + symbolicName + ": no jar with this Bundle-SymbolicName on"
                + " the test class path (add its module as a test dependency; run 'mvn verify' from the root so"
                + " that reactor modules are packaged)");
        }
        return bundle(jar.toExternalForm()).start();
    }

    /** Every jar on the class path that has a Bundle-SymbolicName, read once. */
    private static synchronized Map<String, URL> jars() {
        if (jarsBySymbolicName == null) {
            Map<String, URL> found = new HashMap<>();
            try {
                Enumeration<URL> manifests = ClassLoader.getSystemResources("META-INF/MANIFEST.MF");
                while (manifests.hasMoreElements()) {
                    URL url = manifests.nextElement();
                    if (!"jar".equals(url.getProtocol())) {
                        continue; // target/classes folders carry a manifest too; only jars are bundles here
                    }
                    String bsn = symbolicName(url);
                    if (bsn != null) {
                        URL jar = ((JarURLConnection) url.openConnection()).getJarFileURL();
                        found.putIfAbsent(bsn, new File(jar.getPath()).toURI().toURL());
                    }
                }
            } catch (IOException e) {
                throw new UncheckedIOException("reading the test class path's manifests", e);
            }
            jarsBySymbolicName = found;
        }
        return jarsBySymbolicName;
    }

    private static String symbolicName(URL manifest) throws IOException {
        try (InputStream in = manifest.openStream()) {
            String bsn = new Manifest(in).getMainAttributes().getValue("Bundle-SymbolicName");
            return bsn == null ? null : bsn.split(";")[0].trim();
        }
    }
}
