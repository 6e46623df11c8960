import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif
import PoskoCore

/// A read-only element tree, built from untrusted bytes with the guards every CAP input needs:
/// a size limit checked before parsing, no DOCTYPE/ENTITY declarations at all (so no entity
/// expansion bombs and no external entities), bounded nesting depth.
struct CAPXMLElement: Sendable {
    var name: String
    var namespace: String
    var attributes: [String: String]
    var children: [CAPXMLElement]
    var text: String
    var line: Int

    var trimmedText: String { text.trimmingCharacters(in: .whitespacesAndNewlines) }

    func children(named name: String, namespace: String) -> [CAPXMLElement] {
        children.filter { $0.name == name && $0.namespace == namespace }
    }
}

enum CAPXMLDocument {
    static let maxDocumentBytes = 10 * 1024 * 1024
    static let maxDepth = 64

    static func parse(_ data: Data, what: String) throws(CAPError) -> CAPXMLElement {
        try precheck(data, what: what)
        let builder = TreeBuilder()
        let parser = XMLParser(data: data)
        parser.shouldProcessNamespaces = true
        parser.shouldReportNamespacePrefixes = false
        parser.shouldResolveExternalEntities = false
        parser.delegate = builder
        let ok = parser.parse()
        if let failure = builder.failure { throw failure }
        // libxml2 recovers from some errors and still reports success: any error rejects.
        guard ok, parser.parserError == nil, let root = builder.root else {
            let code = (parser.parserError as NSError?)?.code
            throw notWellFormed(code: code, line: parser.lineNumber, column: parser.columnNumber)
        }
        return root
    }

    static func notWellFormed(code: Int?, line: Int, column: Int) -> CAPError {
        var detail = "not well-formed XML"
        if let code {
            detail += " (" + (libxml2Errors[code].map { "\($0); " } ?? "") + "libxml2 error \(code))"
        }
        if column > 0 { detail += " at column \(column)" }
        return CAPError(.notXML, detail, line: line > 0 ? line : nil)
    }

    /// The libxml2 error codes XMLParser reports most often, in words.
    private static let libxml2Errors: [Int: String] = [
        4: "document is empty",
        5: "extra content after the root element",
        9: "invalid character",
        23: "entity reference without ';'",
        26: "undefined entity",
        38: "'<' inside an attribute value",
        39: "attribute value without quotes",
        41: "attribute without a value",
        42: "attribute given twice",
        65: "space required",
        68: "name expected",
        73: "'>' expected",
        76: "opening and closing tags do not match",
        77: "element not closed before the end of the document",
        81: "bad character encoding",
        85: "elements not balanced",
    ]

    /// Cheap byte-level checks that must happen before any XML parser sees the body.
    private static func precheck(_ data: Data, what: String) throws(CAPError) {
        guard data.count <= maxDocumentBytes else {
            throw CAPError(.tooLarge, "document is \(data.count) bytes; the limit is \(maxDocumentBytes) bytes (10 MB)")
        }
        let bytes = [UInt8](data.prefix(4))
        if bytes.starts(with: [0xFE, 0xFF]) || bytes.starts(with: [0xFF, 0xFE])
            || bytes.starts(with: [0x00, 0x3C]) || bytes.starts(with: [0x3C, 0x00]) {
            throw CAPError(.unsupportedEncoding, "document is UTF-16 or UTF-32; send \(what) as UTF-8")
        }
        var start = data.startIndex
        if bytes.starts(with: [0xEF, 0xBB, 0xBF]) { start += 3 }
        guard let first = data[start...].firstIndex(where: { !isXMLSpace($0) }) else {
            throw CAPError(.notXML, "empty body; expected \(what)")
        }
        guard data[first] == UInt8(ascii: "<") else {
            let head = String(decoding: data[first...].prefix(16), as: UTF8.self)
            throw CAPError(.notXML, "not XML: the body starts with \"\(head)\"; expected \(what)")
        }
        // Declarations are refused wherever they appear, even in a comment: CAP needs none.
        for marker in ["<!DOCTYPE", "<!ENTITY"] {
            if let range = data.range(of: Data(marker.utf8)) {
                let line = 1 + data[data.startIndex..<range.lowerBound].reduce(0) { $0 + ($1 == 0x0A ? 1 : 0) }
                throw CAPError(
                    .forbiddenDeclaration,
                    "\(marker.dropFirst(2)) declarations are not accepted (CAP needs none; they allow entity-expansion and external-entity attacks)",
                    line: line
                )
            }
        }
    }

    private static func isXMLSpace(_ b: UInt8) -> Bool { b == 0x20 || b == 0x09 || b == 0x0A || b == 0x0D }

    /// Builds the tree; refuses declarations the byte scan could have missed.
    private final class TreeBuilder: NSObject, XMLParserDelegate {
        var stack: [CAPXMLElement] = []
        var root: CAPXMLElement?
        var failure: CAPError?

        private func fail(_ parser: XMLParser, _ error: CAPError) {
            if failure == nil { failure = error }
            parser.abortParsing()
        }

        func parser(
            _ parser: XMLParser, didStartElement elementName: String, namespaceURI: String?,
            qualifiedName qName: String?, attributes attributeDict: [String: String] = [:]
        ) {
            guard failure == nil else { return }
            guard stack.count < CAPXMLDocument.maxDepth else {
                fail(parser, CAPError(.notXML, "elements are nested deeper than \(CAPXMLDocument.maxDepth) levels", line: parser.lineNumber))
                return
            }
            stack.append(CAPXMLElement(
                name: elementName, namespace: namespaceURI ?? "", attributes: attributeDict,
                children: [], text: "", line: parser.lineNumber
            ))
        }

        func parser(_ parser: XMLParser, didEndElement elementName: String, namespaceURI: String?, qualifiedName qName: String?) {
            guard failure == nil, let done = stack.popLast() else { return }
            if stack.isEmpty {
                root = done
            } else {
                stack[stack.count - 1].children.append(done)
            }
        }

        func parser(_ parser: XMLParser, foundCharacters string: String) {
            guard failure == nil, !stack.isEmpty else { return }
            stack[stack.count - 1].text += string
        }

        func parser(_ parser: XMLParser, foundCDATA CDATABlock: Data) {
            guard failure == nil, !stack.isEmpty else { return }
            stack[stack.count - 1].text += String(decoding: CDATABlock, as: UTF8.self)
        }

        /// The first error, where the parser saw it (later positions are read-ahead).
        func parser(_ parser: XMLParser, parseErrorOccurred parseError: any Error) {
            let code = (parseError as NSError).code
            fail(parser, CAPXMLDocument.notWellFormed(code: code, line: parser.lineNumber, column: parser.columnNumber))
        }

        func parser(_ parser: XMLParser, foundInternalEntityDeclarationWithName name: String, value: String?) {
            fail(parser, CAPError(.forbiddenDeclaration, "ENTITY declarations are not accepted", line: parser.lineNumber))
        }

        func parser(_ parser: XMLParser, foundExternalEntityDeclarationWithName name: String, publicID: String?, systemID: String?) {
            fail(parser, CAPError(.forbiddenDeclaration, "ENTITY declarations are not accepted", line: parser.lineNumber))
        }

        /// Reached for any entity reference outside the five XML ones (`&nbsp;`) as well as for
        /// external entities; neither is ever resolved.
        func parser(_ parser: XMLParser, resolveExternalEntityName name: String, systemID: String?) -> Data? {
            if systemID == nil {
                fail(parser, CAPError(.notXML, "not well-formed XML (undefined entity &\(name);)", line: parser.lineNumber))
            } else {
                fail(parser, CAPError(.forbiddenDeclaration, "external entities are not resolved", line: parser.lineNumber))
            }
            return nil
        }
    }
}
