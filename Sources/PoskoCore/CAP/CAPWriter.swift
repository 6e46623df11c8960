import Foundation

/// Writes CAP 1.2 XML that validates against the OASIS schema: elements in schema order,
/// times with a numeric offset, polygons as closed "lat,lon" rings, text escaped.
public enum CAPWriter {
    public static func document(for alert: CAPAlert) -> String {
        var x = CAPXMLText()
        x.raw("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n")
        x.raw("<alert xmlns=\"\(capNamespace)\">\n")
        x.element("identifier", alert.identifier, depth: 1)
        x.element("sender", alert.sender, depth: 1)
        x.element("sent", alert.sent.canonicalText, depth: 1)
        x.element("status", alert.status.rawValue, depth: 1)
        x.element("msgType", alert.msgType.rawValue, depth: 1)
        x.element("source", alert.source, depth: 1)
        x.element("scope", alert.scope.rawValue, depth: 1)
        x.element("restriction", alert.restriction, depth: 1)
        x.element("addresses", alert.addresses, depth: 1)
        for code in alert.codes { x.element("code", code, depth: 1) }
        x.element("note", alert.note, depth: 1)
        if !alert.references.isEmpty {
            let text = alert.references.map { "\($0.sender),\($0.identifier),\($0.sent.canonicalText)" }.joined(separator: " ")
            x.element("references", text, depth: 1)
        }
        x.element("incidents", alert.incidents, depth: 1)
        for info in alert.infos { write(info, into: &x) }
        x.raw("</alert>\n")
        return x.text
    }

    private static func write(_ info: CAPInfo, into x: inout CAPXMLText) {
        x.open("info", depth: 1)
        x.element("language", info.language, depth: 2)
        // The schema needs at least one category; "Other" is CAP's neutral choice.
        for category in info.categories.isEmpty ? [.other] : info.categories {
            x.element("category", category.rawValue, depth: 2)
        }
        x.element("event", info.event, depth: 2)
        for response in info.responseTypes { x.element("responseType", response.rawValue, depth: 2) }
        x.element("urgency", info.urgency.rawValue, depth: 2)
        x.element("severity", info.severity.rawValue, depth: 2)
        x.element("certainty", info.certainty.rawValue, depth: 2)
        x.element("audience", info.audience, depth: 2)
        for pair in info.eventCodes { x.pair("eventCode", pair, depth: 2) }
        x.element("effective", info.effective?.canonicalText, depth: 2)
        x.element("onset", info.onset?.canonicalText, depth: 2)
        x.element("expires", info.expires?.canonicalText, depth: 2)
        x.element("senderName", info.senderName, depth: 2)
        x.element("headline", info.headline, depth: 2)
        x.element("description", info.description, depth: 2)
        x.element("instruction", info.instruction, depth: 2)
        x.element("web", info.web, depth: 2)
        x.element("contact", info.contact, depth: 2)
        for pair in info.parameters { x.pair("parameter", pair, depth: 2) }
        for resource in info.resources {
            x.open("resource", depth: 2)
            x.element("resourceDesc", resource.resourceDesc, depth: 3)
            x.element("mimeType", resource.mimeType, depth: 3)
            x.element("size", resource.size.map(String.init), depth: 3)
            x.element("uri", resource.uri, depth: 3)
            x.element("derefUri", resource.derefUri, depth: 3)
            x.element("digest", resource.digest, depth: 3)
            x.close("resource", depth: 2)
        }
        for area in info.areas {
            x.open("area", depth: 2)
            x.element("areaDesc", area.areaDesc, depth: 3)
            for polygon in area.polygons { x.element("polygon", CAPGeometryText.format(polygon: polygon), depth: 3) }
            for circle in area.circles { x.element("circle", CAPGeometryText.format(circle: circle), depth: 3) }
            for pair in area.geocodes { x.pair("geocode", pair, depth: 3) }
            x.element("altitude", area.altitude.map(CAPGeometryText.decimal), depth: 3)
            x.element("ceiling", area.ceiling.map(CAPGeometryText.decimal), depth: 3)
            x.close("area", depth: 2)
        }
        x.close("info", depth: 1)
    }
}

/// A small XML text builder shared by the CAP and Atom writers.
struct CAPXMLText {
    private(set) var text = ""

    mutating func raw(_ s: String) { text += s }

    mutating func open(_ name: String, depth: Int) {
        indent(depth)
        text += "<\(name)>\n"
    }

    mutating func close(_ name: String, depth: Int) {
        indent(depth)
        text += "</\(name)>\n"
    }

    /// Writes nothing for nil, so optional elements stay absent.
    mutating func element(_ name: String, _ value: String?, depth: Int) {
        guard let value else { return }
        indent(depth)
        text += "<\(name)>\(Self.escape(value))</\(name)>\n"
    }

    mutating func pair(_ name: String, _ pair: CAPValuePair, depth: Int) {
        open(name, depth: depth)
        element("valueName", pair.valueName, depth: depth + 1)
        element("value", pair.value, depth: depth + 1)
        close(name, depth: depth)
    }

    private mutating func indent(_ depth: Int) { text += String(repeating: "  ", count: depth) }

    /// Escapes markup characters; a CR is written as a reference so parsers do not fold it
    /// into LF, and characters XML 1.0 cannot carry at all are dropped.
    static func escape(_ s: String, attribute: Bool = false) -> String {
        var out = ""
        out.unicodeScalars.reserveCapacity(s.unicodeScalars.count)
        for scalar in s.unicodeScalars {
            switch scalar {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"" where attribute: out += "&quot;"
            case "'" where attribute: out += "&apos;"
            case "\r": out += "&#13;"
            case "\t" where attribute: out += "&#9;"
            case "\n" where attribute: out += "&#10;"
            default:
                let v = scalar.value
                let allowed = v == 0x9 || v == 0xA || (v >= 0x20 && v <= 0xD7FF) || (v >= 0xE000 && v <= 0xFFFD) || v >= 0x10000
                if allowed { out.unicodeScalars.append(scalar) }
            }
        }
        return out
    }
}
