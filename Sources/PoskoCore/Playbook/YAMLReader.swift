import Foundation
import Yams

/// Strict reading of operator-written YAML: every problem becomes a `Diagnostic` at
/// `file:line:col`, reading goes on after an error so one run reports them all, and
/// the amount of work is bounded whatever the input (size limit, libyaml's nesting
/// limit, no anchors/aliases, an error cap).
///
/// The document is read from libyaml's events into a flat `YAMLTree`; when the text is
/// not a well-formed single document (or a mapping may repeat a key), Yams composes it
/// once more to produce its exact error.
public struct YAMLReader {
    public static let defaultMaxBytes = 4 * 1024 * 1024
    public static let maxErrors = 200

    public let file: String
    public private(set) var diagnostics: [Diagnostic] = []
    private var errorCount = 0
    private var tree = YAMLTree()

    public init(file: String) {
        self.file = file
    }

    /// True once the error cap is hit: callers stop walking lists.
    public var isSaturated: Bool { errorCount >= Self.maxErrors }

    /// Parses one YAML document. Does not call `body` (and leaves a diagnostic) when the
    /// bytes are not a readable YAML document.
    public mutating func withDocument(
        _ data: Data, maxBytes: Int = YAMLReader.defaultMaxBytes, _ body: (inout YAMLReader, YAMLNode) -> Void
    ) {
        guard data.count <= maxBytes else {
            fileError("file is \(data.count) bytes; the limit is \(maxBytes) bytes")
            return
        }
        var bytes = data
        if bytes.starts(with: [0xEF, 0xBB, 0xBF]) { bytes = bytes.dropFirst(3) }
        guard var text = String(data: bytes, encoding: .utf8) else {
            fileError("file is not valid UTF-8 text")
            return
        }
        if text.utf8.contains(0) {
            fileError("file contains NUL bytes; it is not a text file")
            return
        }
        if text.allSatisfy(\.isWhitespace) {
            fileError("file is empty")
            return
        }
        // The same UTF-8 bytes Yams would hand to libyaml.
        switch text.withUTF8({ YAMLTree.build($0) }) {
        case .empty:
            fileError("file is empty")
        case .unreadable:
            if !recordYamsError(text) { fileError("cannot read YAML") }
        case let .document(document):
            if document.suspect, recordYamsError(text) { return }
            tree = document
            body(&self, YAMLNode(index: document.root))
            tree = YAMLTree()
        }
    }

    /// Composes the text with Yams (without tag resolution) and records its error, if any.
    private mutating func recordYamsError(_ text: String) -> Bool {
        do {
            let parser = try Parser(yaml: text, resolver: .basic)
            _ = try parser.singleRoot()
            return false
        } catch let error as YamlError {
            record(error)
        } catch {
            fileError("cannot read YAML: \(error)")
        }
        return true
    }

    private mutating func record(_ error: YamlError) {
        switch error {
        case let .scanner(context, problem, mark, _), let .parser(context, problem, mark, _),
             let .composer(context, problem, mark, _):
            var message = "YAML syntax error: \(problem)"
            if problem.contains("nesting level") {
                message = "YAML nesting is deeper than 1000 levels"
            } else if let context {
                message += " (\(context.text) at \(context.mark.line):\(context.mark.column))"
            }
            if problem.contains("tab") { message += "; indent with spaces, not tabs" }
            add(.error, line: mark.line, column: mark.column, message)
        case let .duplicatedKeysInMapping(duplicates, context):
            add(.error, line: context.mark.line, column: context.mark.column,
                "duplicate key \(duplicates.sorted().map { "'\($0)'" }.joined(separator: ", ")) in a mapping")
        case let .reader(problem, offset, _, _):
            fileError("cannot read file: \(problem)\(offset.map { " at byte \($0)" } ?? "")")
        default:
            fileError("cannot read YAML: \(error)")
        }
    }

    // MARK: Diagnostics

    public mutating func fileError(_ message: String) {
        add(.error, line: 1, column: 1, message)
    }

    public mutating func error(_ node: YAMLNode, _ message: String) {
        let n = tree[node]
        add(.error, line: Int(n.line), column: Int(n.column), message)
    }

    public mutating func error(at location: SourceLocation, _ message: String) {
        add(.error, line: location.line, column: location.column, message)
    }

    public mutating func warning(_ node: YAMLNode, _ message: String) {
        let n = tree[node]
        add(.warning, line: Int(n.line), column: Int(n.column), message)
    }

    public mutating func add(_ severity: Diagnostic.Severity, line: Int, column: Int, _ message: String) {
        if severity == .error {
            errorCount += 1
            if errorCount == Self.maxErrors + 1 {
                diagnostics.append(Diagnostic(.error, file: file, line: line, column: column,
                                              "too many errors; stopped after \(Self.maxErrors)"))
            }
            if errorCount > Self.maxErrors { return }
        }
        diagnostics.append(Diagnostic(severity, file: file, line: line, column: column, message))
    }

    public func location(_ node: YAMLNode) -> SourceLocation {
        let n = tree[node]
        return SourceLocation(file: file, line: Int(n.line), column: Int(n.column))
    }

    // MARK: Structure

    /// The text of a scalar (nil for a list or a mapping), as written: not trimmed, null not special.
    public func text(_ node: YAMLNode) -> String? {
        let n = tree[node]
        return n.kind == .scalar ? tree.string(n) : nil
    }

    /// The key/value pairs of a mapping, in document order (nil for other nodes).
    public func pairs(_ node: YAMLNode) -> [(key: YAMLNode, value: YAMLNode)]? {
        let n = tree[node]
        guard n.kind == .mapping else { return nil }
        let c = tree.children(of: n)
        return stride(from: c.startIndex, to: c.endIndex, by: 2).map {
            (YAMLNode(index: c[$0]), YAMLNode(index: c[$0 + 1]))
        }
    }

    // MARK: Typed access

    /// A mapping's fields by key. Unknown keys and missing required keys are reported here
    /// (duplicate keys are a YAML error); the caller reads only the keys it knows.
    public mutating func mapping(
        _ node: YAMLNode, _ context: String, required: [String] = [], optional: [String] = []
    ) -> Fields? {
        guard checkNoAnchor(node) else { return nil }
        let n = tree[node]
        guard n.kind == .mapping else {
            error(node, "expected a mapping for \(context), found \(kind(node))")
            return nil
        }
        var fields = Fields(node: node, context: context, names: required + optional)
        let c = tree.children(of: n)
        for i in stride(from: c.startIndex, to: c.endIndex, by: 2) {
            let keyNode = YAMLNode(index: c[i])
            let key = tree[keyNode]
            guard key.kind == .scalar else {
                error(keyNode, "keys in \(context) must be plain names, found \(kind(keyNode))")
                continue
            }
            guard let slot = fields.slot(of: key, in: tree) else {
                let expected = fields.names.joined(separator: ", ")
                error(keyNode, "unknown key '\(tree.string(key))' in \(context) (expected one of: \(expected))")
                continue
            }
            fields.values[slot] = YAMLNode(index: c[i + 1])
        }
        for (slot, name) in required.enumerated() where fields.values[slot].map({ isNull($0) }) ?? true {
            if let value = fields.values[slot] {
                error(value, "missing value for '\(name)' in \(context)")
            } else {
                error(node, "missing required key '\(name)' in \(context)")
            }
        }
        fields.nulls = fields.values.map { $0.map { isNull($0) } ?? true }
        return fields
    }

    public mutating func list(_ node: YAMLNode, _ context: String) -> [YAMLNode]? {
        guard checkNoAnchor(node) else { return nil }
        if isNull(node) { return [] }
        let n = tree[node]
        guard n.kind == .sequence else {
            error(node, "expected a list for \(context), found \(kind(node))")
            return nil
        }
        return tree.children(of: n).map { YAMLNode(index: $0) }
    }

    public mutating func string(_ node: YAMLNode, _ context: String) -> String? {
        guard checkNoAnchor(node) else { return nil }
        let n = tree[node]
        guard n.kind == .scalar, !isNull(node) else {
            error(node, "expected text for \(context), found \(kind(node))")
            return nil
        }
        let value = trimmed(n)
        guard !value.isEmpty else {
            error(node, "empty text for \(context)")
            return nil
        }
        return value
    }

    public mutating func int(_ node: YAMLNode, _ context: String, min: Int = 0, max: Int = Int(Int32.max)) -> Int? {
        guard checkNoAnchor(node) else { return nil }
        let n = tree[node]
        guard n.kind == .scalar, !isNull(node) else {
            error(node, "expected an integer for \(context), found \(kind(node))")
            return nil
        }
        guard let value = Int(trimmed(n)) else {
            error(node, "expected an integer for \(context), found '\(tree.string(n))'")
            return nil
        }
        guard value >= min, value <= max else {
            error(node, "\(context) must be between \(min) and \(max), found \(value)")
            return nil
        }
        return value
    }

    public mutating func double(_ node: YAMLNode, _ context: String, range: ClosedRange<Double>) -> Double? {
        guard checkNoAnchor(node) else { return nil }
        let n = tree[node]
        guard n.kind == .scalar, !isNull(node) else {
            error(node, "expected a number for \(context), found \(kind(node))")
            return nil
        }
        guard let value = Double(trimmed(n)), value.isFinite else {
            error(node, "expected a number for \(context), found '\(tree.string(n))'")
            return nil
        }
        guard range.contains(value) else {
            error(node, "\(context) must be between \(range.lowerBound) and \(range.upperBound), found \(tree.string(n))")
            return nil
        }
        return value
    }

    public mutating func duration(_ node: YAMLNode, _ context: String) -> Int? {
        guard let text = string(node, context) else { return nil }
        guard let seconds = DurationText.seconds(text) else {
            error(node, "invalid duration '\(text)' for \(context) (use e.g. 30m, 6h, 1h30m, 2d)")
            return nil
        }
        return seconds
    }

    public mutating func enumValue<E: RawRepresentable & CaseIterable>(
        _ node: YAMLNode, _ context: String, _: E.Type
    ) -> E? where E.RawValue == String {
        guard let text = string(node, context) else { return nil }
        guard let value = E(rawValue: text) else {
            let names = E.allCases.map(\.rawValue).joined(separator: ", ")
            error(node, "unknown \(context) '\(text)' (expected one of: \(names))")
            return nil
        }
        return value
    }

    private mutating func checkNoAnchor(_ node: YAMLNode) -> Bool {
        let anchor = tree[node].anchor
        if anchor >= 0 {
            error(node, "anchors and aliases are not allowed (found '&\(tree.anchors[Int(anchor)])')")
            return false
        }
        return true
    }

    /// The scalar's text without surrounding whitespace (as `String.trimmingWhitespace()`).
    private func trimmed(_ n: YAMLTree.Node) -> String {
        let ascii = tree.withBytes(n) { b -> String? in
            guard !b.contains(where: { $0 >= 0x80 }) else { return nil }
            // For ASCII text, `Character.isWhitespace` is exactly these bytes.
            func space(_ c: UInt8) -> Bool { c == 0x20 || (c >= 0x09 && c <= 0x0D) }
            var lo = 0, hi = b.count
            while lo < hi, space(b[lo]) { lo += 1 }
            while hi > lo, space(b[hi - 1]) { hi -= 1 }
            return String(decoding: UnsafeBufferPointer(rebasing: b[lo ..< hi]), as: UTF8.self)
        }
        return ascii ?? tree.string(n).trimmingWhitespace()
    }

    func isNull(_ node: YAMLNode) -> Bool { Self.isNull(tree[node], tree) }

    static func isNull(_ n: YAMLTree.Node, _ tree: YAMLTree) -> Bool {
        guard n.kind == .scalar, n.plain else { return false }
        return tree.withBytes(n) { b in
            switch b.count {
            case 0: return true
            case 1: return b[0] == UInt8(ascii: "~")
            case 4: return b.elementsEqual("null".utf8) || b.elementsEqual("Null".utf8) || b.elementsEqual("NULL".utf8)
            default: return false
            }
        }
    }

    func kind(_ node: YAMLNode) -> String {
        let n = tree[node]
        switch n.kind {
        case .mapping: return "a mapping"
        case .sequence: return "a list"
        case .scalar:
            if isNull(node) { return "nothing" }
            return "'\(tree.string(n).prefix(40))'"
        }
    }

    public struct Fields {
        public let node: YAMLNode
        public let context: String
        /// The known keys, required first.
        let names: [String]
        /// The value given for each known key (null values included).
        fileprivate(set) var values: [YAMLNode?]
        fileprivate(set) var nulls: [Bool] = []

        fileprivate init(node: YAMLNode, context: String, names: [String]) {
            self.node = node
            self.context = context
            self.names = names
            self.values = Array(repeating: nil, count: names.count)
        }

        /// The value of a known key, unless it is missing or null.
        public subscript(_ key: String) -> YAMLNode? {
            guard let i = names.firstIndex(of: key), !nulls[i] else { return nil }
            return values[i]
        }

        /// The value of a key as written, null included.
        public func raw(_ key: String) -> YAMLNode? {
            names.firstIndex(of: key).flatMap { values[$0] }
        }

        /// No known key is present (not even with a null value).
        public var isEmpty: Bool { !values.contains { $0 != nil } }

        /// Which known key a scalar key is (the first match, as a set lookup would find).
        fileprivate func slot(of key: YAMLTree.Node, in tree: YAMLTree) -> Int? {
            let ascii = tree.withBytes(key) { b in !b.contains { $0 >= 0x80 } }
            // Non-ASCII keys compare as Strings (canonical equivalence).
            guard ascii else { return names.firstIndex(of: tree.string(key)) }
            return tree.withBytes(key) { b in names.firstIndex { $0.utf8.count == b.count && $0.utf8.elementsEqual(b) } }
        }
    }
}
