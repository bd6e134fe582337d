/**
 * What the dmasim shell shows and the one place that renders it: DTOs built from a
 * {@link org.dmasim.api.platform.Platform} and {@link ShellFormatter}. The launcher prints
 * through the same formatter, so {@code dmasim boot} and the {@code dmasim:bootlog} command
 * agree byte for byte.
 */
@org.osgi.annotation.bundle.Export
@org.osgi.annotation.versioning.Version("1.5.0")
package org.dmasim.shell.format;
