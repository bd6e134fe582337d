@org.osgi.annotation.bundle.Export
@org.osgi.annotation.versioning.Version("2.5.0")
package org.dmasim.api.platform;
