package org.dmasim.platform.dt;

import org.dmasim.api.dt.DeviceTreeException;

/** A place in a DTS source, printed as {@code source:line:column} like compilers do. */
record SourcePosition(String source, int line, int column) {

    DeviceTreeException error(String message) {
        return new DeviceTreeException(this + ": " + message);
    }

    /** {@code line:column}, for pointing back at an earlier place in the same message. */
    String lineColumn() {
        return line + ":" + column;
    }

    @Override
    public String toString() {
        return source + ":" + line + ":" + column;
    }
}
