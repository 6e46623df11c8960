import Foundation
import CYaml

/// A node of a `YAMLTree`: an index, read through the `YAMLReader` that holds the tree.
public struct YAMLNode: Sendable, Hashable {
    let index: Int32
}

/// One YAML document, read straight from libyaml's events into flat arrays (no node
/// objects, no tag resolution, no per-event allocation). The tree has the shape Yams'
/// composer would build: an alias is the node its anchor names (with that node's mark and
/// anchor), marks are libyaml's start marks, 1-based.
///
/// Building never reports errors itself. Whenever the event stream is not a plain, single,
/// well-formed document (libyaml error, undefined alias, another document) the builder
/// answers `.unreadable`, and when a mapping might have duplicate keys it flags the tree
/// `suspect`: the reader then asks Yams for the exact error, so the messages stay Yams' own.
struct YAMLTree {
    enum Kind: UInt8 { case scalar, sequence, mapping }

    struct Node {
        var kind: Kind
        /// Scalars: plain style (only plain scalars can be null).
        var plain: Bool
        var line: Int32
        var column: Int32
        /// Scalars: range in `bytes`. Collections: range in `children` (mappings: key, value, key, value…).
        var start: Int32
        var count: Int32
        /// Index in `anchors`, or -1.
        var anchor: Int32
    }

    var nodes: [Node] = []
    var children: [Int32] = []
    var bytes: [UInt8] = []
    var anchors: [String] = []
    var root: Int32 = 0
    /// A mapping has keys that may be equal (the check is conservative).
    var suspect = false

    enum Outcome {
        case document(YAMLTree)
        /// No document at all (empty stream or comments only).
        case empty
        /// libyaml failed or the stream is not a single well-formed document.
        case unreadable
    }

    subscript(_ node: YAMLNode) -> Node { nodes[Int(node.index)] }

    /// The node's scalar bytes (empty for collections).
    func withBytes<R>(_ node: Node, _ body: (UnsafeBufferPointer<UInt8>) -> R) -> R {
        guard node.kind == .scalar else { return body(UnsafeBufferPointer(start: nil, count: 0)) }
        return bytes.withUnsafeBufferPointer { all in
            body(UnsafeBufferPointer(rebasing: all[Int(node.start) ..< Int(node.start + node.count)]))
        }
    }

    /// The scalar's text, decoded as Yams decodes it (`String(bytes:encoding:)` only matters
    /// for a leading byte order mark, which libyaml can only produce from an escape).
    func string(_ node: Node) -> String {
        withBytes(node) { b in
            if b.count >= 3, b[0] == 0xEF, b[1] == 0xBB, b[2] == 0xBF {
                return String(bytes: b, encoding: .utf8) ?? String(decoding: b, as: UTF8.self)
            }
            return String(decoding: b, as: UTF8.self)
        }
    }

    func children(of node: Node) -> ArraySlice<Int32> {
        guard node.kind != .scalar else { return [] }
        return children[Int(node.start) ..< Int(node.start + node.count)]
    }

    // MARK: Building

    /// Reads one document from UTF-8 bytes with libyaml (the copy bundled with Yams).
    static func build(_ input: UnsafeBufferPointer<UInt8>) -> Outcome {
        let parser = UnsafeMutablePointer<yaml_parser_t>.allocate(capacity: 1)
        defer { parser.deallocate() }
        guard yaml_parser_initialize(parser) == 1 else { return .unreadable }
        defer { yaml_parser_delete(parser) }
        // As Yams sets it up: UTF-8 declared, so a byte order mark is only skipped where the scanner allows one.
        yaml_parser_set_encoding(parser, YAML_UTF8_ENCODING)
        yaml_parser_set_input_string(parser, input.baseAddress, input.count)
        let event = UnsafeMutablePointer<yaml_event_t>.allocate(capacity: 1)
        defer { event.deallocate() }

        /// The next event's type; the event stays in `event` until the next call.
        var live = false
        func next() -> yaml_event_type_t? {
            if live { yaml_event_delete(event); live = false }
            guard yaml_parser_parse(parser, event) == 1 else { return nil }
            live = true
            return event.pointee.type
        }
        defer { if live { yaml_event_delete(event) } }

        guard next() == YAML_STREAM_START_EVENT, let first = next() else { return .unreadable }
        if first == YAML_STREAM_END_EVENT { return .empty }
        guard first == YAML_DOCUMENT_START_EVENT else { return .unreadable }

        var tree = YAMLTree()
        tree.nodes.reserveCapacity(input.count / 12)
        tree.children.reserveCapacity(input.count / 12)
        tree.bytes.reserveCapacity(input.count / 2)
        var anchorNodes: [String: Int32] = [:]
        /// Finished nodes whose parent is still open.
        var pending: [Int32] = []
        /// Open collections: node index and where its children start in `pending`.
        var open: [(node: Int32, base: Int)] = []
        var root: Int32?

        func anchorIndex(_ name: UnsafeMutablePointer<UInt8>?) -> Int32 {
            guard let name else { return -1 }
            tree.anchors.append(String(cString: name))
            return Int32(tree.anchors.count - 1)
        }
        func finished(_ index: Int32) {
            let anchor = tree.nodes[Int(index)].anchor
            if anchor >= 0 { anchorNodes[tree.anchors[Int(anchor)]] = index }
            if open.isEmpty { root = index } else { pending.append(index) }
        }
        func mark() -> (Int32, Int32) {
            let m = event.pointee.start_mark
            return (Int32(truncatingIfNeeded: m.line + 1), Int32(truncatingIfNeeded: m.column + 1))
        }

        while root == nil {
            guard let type = next() else { return .unreadable }
            switch type {
            case YAML_SCALAR_EVENT:
                let s = event.pointee.data.scalar
                let (line, column) = mark()
                let start = Int32(truncatingIfNeeded: tree.bytes.count)
                if let value = s.value, s.length > 0 {
                    tree.bytes.append(contentsOf: UnsafeBufferPointer(start: value, count: s.length))
                }
                tree.nodes.append(Node(kind: .scalar, plain: s.style == YAML_PLAIN_SCALAR_STYLE, line: line, column: column,
                                       start: start, count: Int32(truncatingIfNeeded: s.length), anchor: anchorIndex(s.anchor)))
                finished(Int32(tree.nodes.count - 1))
            case YAML_SEQUENCE_START_EVENT, YAML_MAPPING_START_EVENT:
                let (line, column) = mark()
                let anchor = type == YAML_SEQUENCE_START_EVENT
                    ? anchorIndex(event.pointee.data.sequence_start.anchor)
                    : anchorIndex(event.pointee.data.mapping_start.anchor)
                tree.nodes.append(Node(kind: type == YAML_SEQUENCE_START_EVENT ? .sequence : .mapping, plain: false,
                                       line: line, column: column, start: 0, count: 0, anchor: anchor))
                open.append((Int32(tree.nodes.count - 1), pending.count))
            case YAML_SEQUENCE_END_EVENT, YAML_MAPPING_END_EVENT:
                guard let (index, base) = open.popLast() else { return .unreadable }
                let start = tree.children.count
                tree.children.append(contentsOf: pending[base...])
                pending.removeSubrange(base...)
                tree.nodes[Int(index)].start = Int32(truncatingIfNeeded: start)
                tree.nodes[Int(index)].count = Int32(truncatingIfNeeded: tree.children.count - start)
                if type == YAML_MAPPING_END_EVENT, !tree.suspect, tree.mayHaveDuplicateKeys(tree.nodes[Int(index)]) {
                    tree.suspect = true
                }
                finished(index)
            case YAML_ALIAS_EVENT:
                guard let name = event.pointee.data.alias.anchor,
                      let target = anchorNodes[String(cString: name)] else { return .unreadable }
                if open.isEmpty { root = target } else { pending.append(target) }
            default:
                return .unreadable
            }
        }
        guard next() == YAML_DOCUMENT_END_EVENT, next() == YAML_STREAM_END_EVENT, let root else { return .unreadable }
        tree.root = root
        return .document(tree)
    }

    /// True when two keys of the mapping could be equal for Yams (same text, or any
    /// collection key); false only when they certainly are not.
    private func mayHaveDuplicateKeys(_ mapping: Node) -> Bool {
        let pairs = Int(mapping.count) / 2
        if pairs < 2 { return false }
        let base = Int(mapping.start)
        return nodes.withUnsafeBufferPointer { nodes in
            children.withUnsafeBufferPointer { children in
                bytes.withUnsafeBufferPointer { all in
                    func key(_ i: Int) -> Node { nodes[Int(children[base + 2 * i])] }
                    for i in 0 ..< pairs where key(i).kind != .scalar { return true }
                    func same(_ a: Node, _ b: Node) -> Bool {
                        guard a.count == b.count else { return false }
                        guard a.count > 0, let base = all.baseAddress else { return true }
                        return memcmp(base + Int(a.start), base + Int(b.start), Int(a.count)) == 0
                    }
                    if pairs <= 24 {
                        for i in 1 ..< pairs {
                            let a = key(i)
                            for j in 0 ..< i where same(a, key(j)) { return true }
                        }
                        return false
                    }
                    var seen = Set<ArraySlice<UInt8>>()
                    for i in 0 ..< pairs {
                        let k = key(i)
                        if !seen.insert(ArraySlice(UnsafeBufferPointer(rebasing: all[Int(k.start) ..< Int(k.start + k.count)]))).inserted { return true }
                    }
                    return false
                }
            }
        }
    }
}
