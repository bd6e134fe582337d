package org.dmasim.platform.dt;

import java.util.ArrayList;
import java.util.List;

/** A property while DTS is being parsed; see {@link MutableNode} for why deletion only marks. */
final class MutableProperty {
    final String name;
    PropertyValue value;
    SourcePosition definedAt;
    boolean deleted;
    /** Labels on the property itself ({@code lbl: reg = ...}); like dtc, redefinition adds to them. */
    final List<DtsTokens.LabelDef> labels = new ArrayList<>();

    MutableProperty(String name, PropertyValue value, SourcePosition definedAt) {
        this.name = name;
        this.value = value;
        this.definedAt = definedAt;
    }

    void delete() {
        deleted = true;
        labels.clear();
    }
}
