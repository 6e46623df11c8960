import Foundation
import PoskoCore

/// Reads a CAP 1.2 `<alert>` as BMKG and other agencies publish it: with the CAP 1.2
/// namespace or without any namespace. Elements of other namespaces (an XML signature) are
/// ignored; unknown CAP elements are ignored too. Everything Posko relies on is checked:
/// required elements, code-list values, date-times, polygon and circle syntax.
///
/// Text content is trimmed of leading and trailing whitespace.
public enum CAPParser {
    /// Bodies above this size are refused before parsing.
    public static var maxDocumentBytes: Int { CAPXMLDocument.maxDocumentBytes }
    /// Matching cost grows with geometry, so a document may carry at most this many polygon
    /// points and this many polygons plus circles (BMKG's largest nowcasts: ~3,000 and ~150).
    public static let maxPolygonPoints = 100_000
    public static let maxShapes = 5_000

    public static func parse(_ string: String) throws(CAPError) -> CAPAlert {
        try parse(Data(string.utf8))
    }

    public static func parse(_ data: Data) throws(CAPError) -> CAPAlert {
        let root = try CAPXMLDocument.parse(data, what: "a CAP 1.2 <alert> document")
        guard root.name == "alert" else {
            throw CAPError(.wrongRoot, "root element is <\(root.name)>; expected a CAP 1.2 <alert>", line: root.line)
        }
        switch root.namespace {
        case capNamespace, "":
            break
        case let ns where ns.hasPrefix("urn:oasis:names:tc:emergency:cap:") || ns == "http://www.incident.com/cap/1.0":
            throw CAPError(.unsupportedNamespace, "unsupported CAP namespace \(ns); only CAP 1.2 (\(capNamespace)) is accepted", line: root.line)
        case let ns:
            throw CAPError(.unsupportedNamespace, "unsupported namespace \(ns) on <alert>; expected \(capNamespace)", line: root.line)
        }
        let alert = try readAlert(Reader(root, "alert"))
        let areas = alert.infos.flatMap(\.areas)
        let points = areas.reduce(0) { $0 + $1.polygons.reduce(0) { $0 + $1.count } }
        let shapes = areas.reduce(0) { $0 + $1.polygons.count + $1.circles.count }
        guard points <= maxPolygonPoints, shapes <= maxShapes else {
            throw CAPError(
                .invalidGeometry,
                "alert has \(shapes) polygons and circles with \(points) polygon points; the limits are \(maxShapes) and \(maxPolygonPoints)"
            )
        }
        return alert
    }

    // MARK: - Elements

    private static func readAlert(_ r: Reader) throws(CAPError) -> CAPAlert {
        // Header first, in schema order, so the first error reported is the first in the document.
        let identifier = try r.required("identifier")
        let sender = try r.required("sender")
        let sent = try r.date("sent", required: true)
        let status = try r.code("status", CAPStatus.self)
        let msgType = try r.code("msgType", CAPMessageType.self)
        let source = try r.text("source")
        let scope = try r.code("scope", CAPScope.self)
        let restriction = try r.text("restriction")
        let addresses = try r.text("addresses")
        let note = try r.text("note")
        let incidents = try r.text("incidents")
        var references: [CAPReference] = []
        if let text = try r.text("references") {
            for entry in text.split(whereSeparator: \.isWhitespace) {
                let parts = entry.split(separator: ",", omittingEmptySubsequences: false)
                guard parts.count == 3, !parts[0].isEmpty, !parts[1].isEmpty else {
                    throw r.error(.invalidValue, "alert <references> entry \"\(entry)\" is not \"sender,identifier,sent\"", at: "references")
                }
                let when: CAPDateTime
                do {
                    when = try CAPDateTime.parse(String(parts[2]), field: "references")
                } catch {
                    throw error.prefixed(r.context, line: r.line(of: "references"))
                }
                references.append(CAPReference(sender: String(parts[0]), identifier: String(parts[1]), sent: when))
            }
        }
        var infos: [CAPInfo] = []
        for (i, node) in r.all("info").enumerated() {
            infos.append(try readInfo(r.child(node, "info \(i + 1)")))
        }
        guard let sent else { throw r.error(.missingElement, "alert is missing <sent>") }
        return CAPAlert(
            identifier: identifier, sender: sender, sent: sent, status: status, msgType: msgType,
            source: source, scope: scope, restriction: restriction, addresses: addresses,
            codes: r.all("code").map(\.trimmedText), note: note, references: references,
            incidents: incidents, infos: infos
        )
    }

    private static func readInfo(_ r: Reader) throws(CAPError) -> CAPInfo {
        let language = try r.text("language") ?? "en-US"
        var categories: [CAPCategory] = []
        for node in r.all("category") { categories.append(try r.code(node, CAPCategory.self)) }
        guard !categories.isEmpty else { throw r.error(.missingElement, "\(r.context) is missing <category>") }
        let event = try r.required("event")
        var responses: [CAPResponseType] = []
        for node in r.all("responseType") { responses.append(try r.code(node, CAPResponseType.self)) }
        let urgency = try r.code("urgency", CAPUrgency.self)
        let severity = try r.code("severity", CAPSeverity.self)
        let certainty = try r.code("certainty", CAPCertainty.self)
        let audience = try r.text("audience")
        let eventCodes = try r.pairs("eventCode")
        let effective = try r.date("effective")
        let onset = try r.date("onset")
        let expires = try r.date("expires")
        let senderName = try r.text("senderName")
        let headline = try r.text("headline")
        let description = try r.text("description")
        let instruction = try r.text("instruction")
        let web = try r.text("web")
        let contact = try r.text("contact")
        let parameters = try r.pairs("parameter")
        var resources: [CAPResource] = []
        for (i, node) in r.all("resource").enumerated() {
            let rr = r.child(node, "\(r.context) resource \(i + 1)")
            let resourceDesc = try rr.required("resourceDesc")
            let mimeType = try rr.required("mimeType")
            var size: Int?
            if let text = try rr.text("size") {
                guard let value = Int(text), value >= 0 else {
                    throw rr.error(.invalidValue, "\(rr.context) <size> \"\(text)\" is not a whole number of bytes", at: "size")
                }
                size = value
            }
            resources.append(CAPResource(
                resourceDesc: resourceDesc, mimeType: mimeType, size: size,
                uri: try rr.text("uri"), derefUri: try rr.text("derefUri"), digest: try rr.text("digest")
            ))
        }
        var areas: [CAPArea] = []
        for (i, node) in r.all("area").enumerated() {
            areas.append(try readArea(r.child(node, "\(r.context) area \(i + 1)")))
        }
        return CAPInfo(
            language: language, categories: categories, event: event, responseTypes: responses,
            urgency: urgency, severity: severity, certainty: certainty, audience: audience,
            eventCodes: eventCodes, effective: effective, onset: onset, expires: expires,
            senderName: senderName, headline: headline, description: description, instruction: instruction,
            web: web, contact: contact, parameters: parameters, resources: resources, areas: areas
        )
    }

    private static func readArea(_ r: Reader) throws(CAPError) -> CAPArea {
        let areaDesc = try r.required("areaDesc")
        var polygons: [[Coordinate]] = []
        for (i, node) in r.all("polygon").enumerated() {
            do {
                polygons.append(try CAPGeometryText.parsePolygon(node.text))
            } catch {
                throw error.prefixed("\(r.context) polygon \(i + 1)", line: node.line)
            }
        }
        var circles: [GeoCircle] = []
        for (i, node) in r.all("circle").enumerated() {
            do {
                circles.append(try CAPGeometryText.parseCircle(node.text))
            } catch {
                throw error.prefixed("\(r.context) circle \(i + 1)", line: node.line)
            }
        }
        return CAPArea(
            areaDesc: areaDesc,
            polygons: polygons,
            circles: circles,
            geocodes: try r.pairs("geocode"),
            altitude: try r.decimal("altitude"),
            ceiling: try r.decimal("ceiling")
        )
    }

    // MARK: - Reading helpers

    /// One element's CAP children, with the wording for errors about them.
    private struct Reader {
        let node: CAPXMLElement
        let context: String

        init(_ node: CAPXMLElement, _ context: String) {
            self.node = node
            self.context = context
        }

        func child(_ node: CAPXMLElement, _ context: String) -> Reader { Reader(node, context) }

        /// Children in the document's CAP namespace (the alert's own, which may be none).
        func all(_ name: String) -> [CAPXMLElement] {
            node.children(named: name, namespace: node.namespace)
        }

        func line(of name: String) -> Int { all(name).first?.line ?? node.line }

        func error(_ kind: CAPError.Kind, _ message: String, at name: String? = nil) -> CAPError {
            CAPError(kind, message, line: name.map(line(of:)) ?? node.line)
        }

        func one(_ name: String) throws(CAPError) -> CAPXMLElement? {
            let found = all(name)
            guard found.count <= 1 else {
                throw CAPError(.duplicateElement, "\(context) has \(found.count) <\(name)> elements; CAP allows one", line: found[1].line)
            }
            return found.first
        }

        func text(_ name: String) throws(CAPError) -> String? { try one(name)?.trimmedText }

        func required(_ name: String) throws(CAPError) -> String {
            guard let element = try one(name) else {
                throw CAPError(.missingElement, "\(context) is missing <\(name)>", line: node.line)
            }
            let value = element.trimmedText
            guard !value.isEmpty else {
                throw CAPError(.missingElement, "\(context) <\(name)> is empty", line: element.line)
            }
            return value
        }

        func code<E: RawRepresentable & CaseIterable>(_ name: String, _ type: E.Type) throws(CAPError) -> E where E.RawValue == String {
            guard let element = try one(name) else {
                throw CAPError(.missingElement, "\(context) is missing <\(name)>", line: node.line)
            }
            return try code(element, type)
        }

        func code<E: RawRepresentable & CaseIterable>(_ element: CAPXMLElement, _ type: E.Type) throws(CAPError) -> E where E.RawValue == String {
            let value = element.trimmedText
            guard let parsed = E(rawValue: value) else {
                let allowed = E.allCases.map(\.rawValue).joined(separator: ", ")
                throw CAPError(.invalidValue, "\(context) <\(element.name)> \"\(value)\" is not one of \(allowed)", line: element.line)
            }
            return parsed
        }

        func date(_ name: String, required: Bool = false) throws(CAPError) -> CAPDateTime? {
            guard let element = try one(name) else {
                if required { throw CAPError(.missingElement, "\(context) is missing <\(name)>", line: node.line) }
                return nil
            }
            do {
                return try CAPDateTime.parse(element.text, field: name)
            } catch {
                throw error.prefixed(context, line: element.line)
            }
        }

        func decimal(_ name: String) throws(CAPError) -> Double? {
            guard let element = try one(name) else { return nil }
            guard let value = Double(element.trimmedText), value.isFinite else {
                throw CAPError(.invalidValue, "\(context) <\(name)> \"\(element.trimmedText)\" is not a decimal number", line: element.line)
            }
            return value
        }

        func pairs(_ name: String) throws(CAPError) -> [CAPValuePair] {
            var result: [CAPValuePair] = []
            for (i, element) in all(name).enumerated() {
                let r = Reader(element, "\(context) <\(name)> \(i + 1)")
                let valueName = try r.required("valueName")
                guard let value = try r.text("value") else {
                    throw CAPError(.missingElement, "\(r.context) is missing <value>", line: element.line)
                }
                result.append(CAPValuePair(valueName: valueName, value: value))
            }
            return result
        }
    }
}
