@org.osgi.annotation.bundle.Export
@org.osgi.annotation.versioning.Version("2.7.0")
package org.dmasim.api.boot;
