import Foundation
import Yams

/// Strict reading of operator-written YAML: every problem becomes a `Diagnostic` at
/// `file:line:col`, reading goes on after an error so one run reports them all, and
/// the amount of work is bounded whatever the input (size limit, libyaml's nesting
/// limit, no anchors/aliases, an error cap).
public struct YAMLReader {
    public static let defaultMaxBytes = 4 * 1024 * 1024
    public static let maxErrors = 200

    public let file: String
    public private(set) var diagnostics: [Diagnostic] = []
    private var errorCount = 0

    public init(file: String) {
        self.file = file
    }

    /// True once the error cap is hit: callers stop walking lists.
    public var isSaturated: Bool { errorCount >= Self.maxErrors }

    /// Parses one YAML document. Returns nil (with a diagnostic) when the bytes are not a
    /// readable YAML document. The parser is kept alive while `body` reads the tree,
    /// because Yams holds anchors weakly.
    public mutating func withDocument(
        _ data: Data, maxBytes: Int = YAMLReader.defaultMaxBytes, _ body: (inout YAMLReader, Node) -> Void
    ) {
        guard data.count <= maxBytes else {
            fileError("file is \(data.count) bytes; the limit is \(maxBytes) bytes")
            return
        }
        var bytes = data
        if bytes.starts(with: [0xEF, 0xBB, 0xBF]) { bytes = bytes.dropFirst(3) }
        guard let text = String(data: bytes, encoding: .utf8) else {
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
        do {
            // No implicit tag resolution (regex per scalar): the reader types every value itself.
            let parser = try Parser(yaml: text, resolver: .basic)
            guard let root = try parser.singleRoot() else {
                fileError("file is empty")
                return
            }
            withExtendedLifetime(parser) { body(&self, root) }
        } catch let error as YamlError {
            record(error)
        } catch {
            fileError("cannot read YAML: \(error)")
        }
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

    public mutating func error(_ node: Node, _ message: String) {
        let m = node.mark
        add(.error, line: m?.line ?? 1, column: m?.column ?? 1, message)
    }

    public mutating func error(at location: SourceLocation, _ message: String) {
        add(.error, line: location.line, column: location.column, message)
    }

    public mutating func warning(_ node: Node, _ message: String) {
        let m = node.mark
        add(.warning, line: m?.line ?? 1, column: m?.column ?? 1, message)
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

    public func location(_ node: Node) -> SourceLocation {
        SourceLocation(file: file, line: node.mark?.line ?? 1, column: node.mark?.column ?? 1)
    }

    // MARK: Typed access

    /// A mapping's fields by key. Unknown keys and missing required keys are reported here
    /// (Yams itself rejects duplicate keys); the caller reads only the keys it knows.
    public mutating func mapping(
        _ node: Node, _ context: String, required: [String] = [], optional: [String] = []
    ) -> Fields? {
        guard checkNoAnchor(node) else { return nil }
        guard case let .mapping(map) = node else {
            error(node, "expected a mapping for \(context), found \(Self.kind(node))")
            return nil
        }
        let known = Set(required).union(optional)
        var fields = Fields(node: node, context: context)
        for (keyNode, value) in map {
            guard case let .scalar(key) = keyNode else {
                error(keyNode, "keys in \(context) must be plain names, found \(Self.kind(keyNode))")
                continue
            }
            let name = key.string
            guard known.contains(name) else {
                let expected = (required + optional).joined(separator: ", ")
                error(keyNode, "unknown key '\(name)' in \(context) (expected one of: \(expected))")
                continue
            }
            fields.values[name] = value
        }
        for name in required where fields.values[name].map(Self.isNull) ?? true {
            if let value = fields.values[name] {
                error(value, "missing value for '\(name)' in \(context)")
            } else {
                error(node, "missing required key '\(name)' in \(context)")
            }
        }
        return fields
    }

    public mutating func list(_ node: Node, _ context: String) -> [Node]? {
        guard checkNoAnchor(node) else { return nil }
        if Self.isNull(node) { return [] }
        guard case let .sequence(seq) = node else {
            error(node, "expected a list for \(context), found \(Self.kind(node))")
            return nil
        }
        return Array(seq)
    }

    public mutating func string(_ node: Node, _ context: String) -> String? {
        guard checkNoAnchor(node) else { return nil }
        guard case let .scalar(s) = node, !Self.isNull(node) else {
            error(node, "expected text for \(context), found \(Self.kind(node))")
            return nil
        }
        let value = s.string.trimmingWhitespace()
        guard !value.isEmpty else {
            error(node, "empty text for \(context)")
            return nil
        }
        return value
    }

    public mutating func int(_ node: Node, _ context: String, min: Int = 0, max: Int = Int(Int32.max)) -> Int? {
        guard checkNoAnchor(node) else { return nil }
        guard case let .scalar(s) = node, !Self.isNull(node) else {
            error(node, "expected an integer for \(context), found \(Self.kind(node))")
            return nil
        }
        guard let value = Int(s.string.trimmingWhitespace()) else {
            error(node, "expected an integer for \(context), found '\(s.string)'")
            return nil
        }
        guard value >= min, value <= max else {
            error(node, "\(context) must be between \(min) and \(max), found \(value)")
            return nil
        }
        return value
    }

    public mutating func double(_ node: Node, _ context: String, range: ClosedRange<Double>) -> Double? {
        guard checkNoAnchor(node) else { return nil }
        guard case let .scalar(s) = node, !Self.isNull(node) else {
            error(node, "expected a number for \(context), found \(Self.kind(node))")
            return nil
        }
        guard let value = Double(s.string.trimmingWhitespace()), value.isFinite else {
            error(node, "expected a number for \(context), found '\(s.string)'")
            return nil
        }
        guard range.contains(value) else {
            error(node, "\(context) must be between \(range.lowerBound) and \(range.upperBound), found \(s.string)")
            return nil
        }
        return value
    }

    public mutating func duration(_ node: Node, _ context: String) -> Int? {
        guard let text = string(node, context) else { return nil }
        guard let seconds = DurationText.seconds(text) else {
            error(node, "invalid duration '\(text)' for \(context) (use e.g. 30m, 6h, 1h30m, 2d)")
            return nil
        }
        return seconds
    }

    public mutating func enumValue<E: RawRepresentable & CaseIterable>(
        _ node: Node, _ context: String, _: E.Type
    ) -> E? where E.RawValue == String {
        guard let text = string(node, context) else { return nil }
        guard let value = E(rawValue: text) else {
            let names = E.allCases.map(\.rawValue).joined(separator: ", ")
            error(node, "unknown \(context) '\(text)' (expected one of: \(names))")
            return nil
        }
        return value
    }

    private mutating func checkNoAnchor(_ node: Node) -> Bool {
        if let anchor = node.anchor {
            error(node, "anchors and aliases are not allowed (found '&\(anchor.rawValue)')")
            return false
        }
        if case .alias = node {
            error(node, "anchors and aliases are not allowed")
            return false
        }
        return true
    }

    static func isNull(_ node: Node) -> Bool {
        guard case let .scalar(s) = node else { return false }
        if s.style != .plain { return false }
        return s.string.isEmpty || s.string == "~" || s.string == "null" || s.string == "Null" || s.string == "NULL"
    }

    static func kind(_ node: Node) -> String {
        switch node {
        case .mapping: return "a mapping"
        case .sequence: return "a list"
        case .alias: return "an alias"
        case let .scalar(s):
            if isNull(node) { return "nothing" }
            return "'\(s.string.prefix(40))'"
        }
    }

    public struct Fields {
        public let node: Node
        public let context: String
        public fileprivate(set) var values: [String: Node] = [:]

        public subscript(_ key: String) -> Node? {
            guard let v = values[key], !YAMLReader.isNull(v) else { return nil }
            return v
        }
    }
}
