package org.dmasim.platform.dt;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.dmasim.api.dt.DeviceTree;

/**
 * Parses the DTS subset described in {@code docs/dts-subset.md} into a {@link DeviceTree},
 * with dtc's semantics for merging, deletion and phandle allocation. Errors are
 * {@link org.dmasim.api.dt.DeviceTreeException}s reading {@code source:line:column: message}.
 */
public final class DtsParser {
    private final DtsCursor in;
    private final MutableNode root;
    private final LabelTable labels;
    private final PropertyValueParser values;
    private final ExpressionParser expressions;
    private final List<DeviceTree.MemReserve> memReserves = new ArrayList<>();
    private boolean rootSeen;
    private ReferenceResolver resolver;

    private DtsParser(DtsSource source, IncludeResolver resolver) {
        this.in = new DtsCursor(source, resolver);
        this.root = new MutableNode("", null, null);
        this.labels = new LabelTable(root);
        this.values = new PropertyValueParser(in);
        this.expressions = new ExpressionParser(in);
    }

    public static DeviceTree parse(String text, String sourceName, IncludeResolver resolver) {
        return parseWithPositions(text, sourceName, resolver).tree();
    }

    /** A parsed tree and where in the sources each of its nodes and properties was written. */
    record Parsed(DeviceTree tree, Map<Object, SourcePosition> positions) {
        /** Points errors at {@code file:line:column} of the property or node, else at the top file. */
        OfChecks.Locator locator() {
            String top = tree.source();
            return what -> {
                SourcePosition at = positions.get(what);
                return at == null ? top : at.toString();
            };
        }
    }

    static Parsed parseWithPositions(String text, String sourceName, IncludeResolver resolver) {
        DtsParser p = new DtsParser(new DtsSource(sourceName, text), resolver);
        DeviceTree tree = p.parseFile(sourceName);
        return new Parsed(tree, p.resolver.positions());
    }

    /** Parses text that has no /include/ directives. */
    public static DeviceTree parse(String text, String sourceName) {
        return parse(text, sourceName, IncludeResolver.none());
    }

    private DeviceTree parseFile(String sourceName) {
        readHeader();
        while (true) {
            in.skipBlanks();
            if (in.atEnd()) {
                break;
            }
            topLevelStatement();
        }
        if (!rootSeen) {
            throw in.errorHere("no root node: a DTS file needs '/ { ... };'");
        }
        resolver = new ReferenceResolver(root, labels);
        return resolver.finish(memReserves, sourceName);
    }

    /** {@code /dts-v1/;}, required first as dtc requires; repeats are allowed, /plugin/ is not. */
    private void readHeader() {
        in.skipBlanks();
        if (!in.accept("/dts-v1/")) {
            throw in.errorHere("expected '/dts-v1/;' at the start of the file, found " + in.describeNext()
                + " (dtc requires it; version-0 DTS is not supported)");
        }
        expectSemicolon("after /dts-v1/");
        while (true) {
            in.skipBlanks();
            if (in.accept("/dts-v1/")) {
                expectSemicolon("after /dts-v1/");
            } else if (in.lookingAt("/plugin/")) {
                throw in.errorHere(unsupported("/plugin/"));
            } else {
                return;
            }
        }
    }

    private void topLevelStatement() {
        List<DtsTokens.LabelDef> lbls = DtsTokens.readLabels(in);
        in.skipBlanks();
        SourcePosition at = in.position();
        String directive = DtsTokens.peekDirective(in);
        if (directive != null) {
            if (directive.equals("/memreserve/")) {
                memReserve(at); // a label on /memreserve/ is allowed and means nothing here
                return;
            }
            if (!lbls.isEmpty()) {
                throw lbls.get(0).at().error("a label cannot be placed on " + directive);
            }
            topLevelDirective(directive, at);
            return;
        }
        if (in.peek() == '&') {
            DtsTokens.Ref ref = DtsTokens.readReference(in);
            if (!rootSeen) {
                throw at.error("the first node block must be the root '/ { ... };', found '" + ref.spelled() + "'");
            }
            MutableNode target = labels.resolve(ref.target(), ref.at());
            for (DtsTokens.LabelDef l : lbls) {
                labels.define(l.name(), target, l.at());
            }
            nodeBody(target);
            return;
        }
        if (in.peek() == '/') {
            if (!lbls.isEmpty()) {
                throw lbls.get(0).at().error("a label cannot be placed on the root node '/'");
            }
            in.next();
            nodeBody(root);
            rootSeen = true;
            return;
        }
        if (!lbls.isEmpty()) {
            throw at.error("expected '&label {' after label '" + lbls.get(lbls.size() - 1).name() + ":', found "
                + in.describeNext());
        }
        throw at.error("expected '/ {', '&label {' or '/delete-node/ &label;' at top level, found "
            + in.describeNext());
    }

    private void memReserve(SourcePosition at) {
        if (rootSeen) {
            throw at.error("/memreserve/ must come before the first node");
        }
        in.skip("/memreserve/".length());
        long address = expressions.primary();
        long size = expressions.primary();
        expectSemicolon("after /memreserve/ address and size");
        memReserves.add(new DeviceTree.MemReserve(address, size));
    }

    private void topLevelDirective(String directive, SourcePosition at) {
        switch (directive) {
            case "/delete-node/" -> {
                in.skip(directive.length());
                in.skipBlanks();
                if (in.peek() != '&') {
                    throw in.errorHere("at top level /delete-node/ takes a reference (/delete-node/ &label;),"
                        + " found " + in.describeNext());
                }
                DtsTokens.Ref ref = DtsTokens.readReference(in);
                expectSemicolon("after /delete-node/ " + ref.spelled());
                MutableNode node = labels.resolve(ref.target(), ref.at());
                if (node == root) {
                    throw ref.at().error("the root node cannot be deleted");
                }
                node.delete();
            }
            case "/dts-v1/" -> throw at.error("'/dts-v1/;' must come before everything else");
            case "/delete-property/" -> throw at.error("/delete-property/ is only allowed inside a node");
            default -> throw at.error(unexpectedDirective(directive, "at top level"));
        }
    }

    /**
     * {@code { properties... subnodes... };} applied in place to {@code node}: a property or
     * child that exists is replaced or merged into, as a later dtc block would.
     */
    private void nodeBody(MutableNode node) {
        in.skipBlanks();
        SourcePosition open = in.position();
        if (!in.accept("{")) {
            throw open.error("expected '{' to open node " + node.path() + ", found " + in.describeNext());
        }
        Set<String> propertiesHere = new HashSet<>();
        Set<String> childrenHere = new HashSet<>();
        boolean childSeen = false;
        while (true) {
            in.skipBlanks();
            SourcePosition at = in.position();
            if (in.atEnd()) {
                throw at.error("unexpected end of file in node " + node.path() + ": the '{' at "
                    + open.lineColumn() + " is never closed");
            }
            if (in.accept("}")) {
                expectSemicolon("after '}' closing node " + node.path());
                return;
            }
            String directive = DtsTokens.peekDirective(in);
            if (directive != null) {
                childSeen |= bodyDirective(node, directive, at, childSeen, propertiesHere, childrenHere);
                continue;
            }
            List<DtsTokens.LabelDef> lbls = DtsTokens.readLabels(in);
            in.skipBlanks();
            SourcePosition nameAt = in.position();
            String labelled = DtsTokens.peekDirective(in);
            if (labelled != null && !lbls.isEmpty()) {
                throw lbls.get(0).at().error("a label cannot be placed on " + labelled);
            }
            String name = DtsTokens.readName(in);
            if (name.isEmpty()) {
                throw nameAt.error("expected a property or child node name, found " + in.describeNext());
            }
            SourcePosition afterName = in.position();
            in.skipBlanks();
            int c = in.peek();
            if (c == '{') {
                childNode(node, name, nameAt, lbls, childrenHere);
                childSeen = true;
            } else if (c == '=' || c == ';') {
                property(node, name, nameAt, lbls, childSeen, propertiesHere);
            } else if (c == ':') {
                throw nameAt.error("invalid label '" + name + "': labels are letters, digits and '_', not starting"
                    + " with a digit, followed directly by ':'");
            } else if (Names.isPropertyChar(c)) {
                throw afterName.error("expected ';' after property '" + name + "'");
            } else {
                throw in.errorHere("expected '=', ';' or '{' after '" + name + "', found " + in.describeNext());
            }
        }
    }

    private void childNode(MutableNode parent, String name, SourcePosition nameAt, List<DtsTokens.LabelDef> lbls,
                           Set<String> childrenHere) {
        int bad = Names.badNodeNameChar(name);
        if (bad >= 0) {
            throw DtsTokens.shifted(nameAt, bad).error("invalid character '" + name.charAt(bad)
                + "' in node name '" + name + "'");
        }
        if (name.startsWith("@")) {
            throw nameAt.error("node name '" + name + "' has an empty base name before '@'");
        }
        if (!childrenHere.add(name)) {
            throw nameAt.error("duplicate node name '" + name + "' in " + parent.path());
        }
        if (parent.depth() >= Fdt.MAX_DEPTH) {
            throw nameAt.error("nodes nested deeper than " + Fdt.MAX_DEPTH + " levels");
        }
        MutableNode child = parent.childForMerge(name, nameAt);
        for (DtsTokens.LabelDef l : lbls) {
            labels.define(l.name(), child, l.at());
        }
        nodeBody(child);
    }

    private void property(MutableNode node, String name, SourcePosition nameAt, List<DtsTokens.LabelDef> lbls,
                          boolean childSeen, Set<String> propertiesHere) {
        int bad = Names.badPropertyNameChar(name);
        if (bad >= 0) {
            throw DtsTokens.shifted(nameAt, bad).error("invalid character '" + name.charAt(bad)
                + "' in property name '" + name + "'");
        }
        if (childSeen) {
            throw nameAt.error("property '" + name + "' follows a child node: properties must come before"
                + " child nodes");
        }
        if (!propertiesHere.add(name)) {
            throw nameAt.error("duplicate property '" + name + "' in " + node.path());
        }
        PropertyValue value = PropertyValue.EMPTY;
        if (in.accept("=")) {
            value = values.parse();
            in.skipBlanks();
            if (!in.accept(";")) {
                throw values.end().error("expected ';' after property '" + name + "'");
            }
        } else {
            in.accept(";");
        }
        node.setProperty(name, value, nameAt, lbls);
    }

    /** Handles a directive inside a node body; returns whether it counts as a child-node item. */
    private boolean bodyDirective(MutableNode node, String directive, SourcePosition at, boolean childSeen,
                                  Set<String> propertiesHere, Set<String> childrenHere) {
        switch (directive) {
            case "/delete-property/" -> {
                if (childSeen) {
                    throw at.error("/delete-property/ follows a child node: properties must come before"
                        + " child nodes");
                }
                String name = nameAfter(directive, "property");
                MutableProperty p = node.liveProperty(name);
                if (p != null) {
                    p.delete();
                }
                propertiesHere.remove(name);
                return false;
            }
            case "/delete-node/" -> {
                in.skip(directive.length());
                in.skipBlanks();
                if (in.peek() == '&') {
                    throw in.errorHere("inside a node /delete-node/ takes a child name; use /delete-node/ &label;"
                        + " at top level");
                }
                String name = nameAfterSkipped(directive, "child node");
                MutableNode child = node.liveChild(name);
                if (child != null) {
                    child.delete();
                }
                childrenHere.remove(name);
                return true;
            }
            default -> throw at.error(unexpectedDirective(directive, "inside a node"));
        }
    }

    /** Consumes {@code directive NAME ;} and returns NAME. */
    private String nameAfter(String directive, String what) {
        in.skip(directive.length());
        in.skipBlanks();
        return nameAfterSkipped(directive, what);
    }

    private String nameAfterSkipped(String directive, String what) {
        SourcePosition at = in.position();
        String name = DtsTokens.readName(in);
        if (name.isEmpty()) {
            throw at.error("expected a " + what + " name after " + directive + ", found " + in.describeNext());
        }
        expectSemicolon("after " + directive + " " + name);
        return name;
    }

    /** Reports a missing ';' just past the construct it should end, where the fix goes. */
    private void expectSemicolon(String context) {
        SourcePosition end = in.position();
        in.skipBlanks();
        if (!in.accept(";")) {
            throw end.error("expected ';' " + context);
        }
    }

    private static String unexpectedDirective(String directive, String where) {
        String unsupported = unsupported(directive);
        if (unsupported != null) {
            return unsupported;
        }
        return switch (directive) {
            case "/memreserve/", "/bits/", "/delete-node/", "/delete-property/", "/dts-v1/" ->
                directive + " is not allowed " + where;
            default -> "unknown directive '" + directive + "'";
        };
    }

    private static String unsupported(String directive) {
        return switch (directive) {
            case "/plugin/" -> "/plugin/ (device-tree overlays) is not supported";
            case "/omit-if-no-ref/" -> "/omit-if-no-ref/ is not supported: delete unused nodes with /delete-node/";
            case "/incbin/" -> "/incbin/ is not supported: write the bytes out as [..] or <..>";
            default -> null;
        };
    }
}
