import Foundation

/// An Atom feed listing Posko's public CAP documents, for aggregators that poll an index
/// (the way BMKG's own RSS index is polled).
public enum CAPFeed {
    public struct Entry: Sendable, Equatable {
        /// Atom entry id (an IRI); stays the same when the entry is republished.
        public var id: String
        public var title: String
        public var updated: CAPDateTime
        /// Where the CAP XML document is served.
        public var link: String
        public var summary: String?

        public init(id: String, title: String, updated: CAPDateTime, link: String, summary: String? = nil) {
            self.id = id
            self.title = title
            self.updated = updated
            self.link = link
            self.summary = summary
        }

        /// An entry for one alert: headline as title, `sent` as updated, the link as id. A drill's
        /// alert (status Exercise) says LATIHAN in its title, so a reader of the feed alone cannot
        /// take it for a real one.
        public init(alert: CAPAlert, link: String) {
            let info = alert.infos.first
            let headline = info?.headline ?? info?.event ?? alert.identifier
            let title = alert.status == .exercise && !headline.uppercased().hasPrefix("LATIHAN") ? "LATIHAN: " + headline : headline
            self.init(id: link, title: title, updated: alert.sent, link: link, summary: info?.description)
        }
    }

    public static func atom(
        entries: [Entry], feedID: String, updated: CAPDateTime, selfURL: String,
        title: String = "Posko — peringatan CAP", author: String = "Posko"
    ) -> String {
        var x = CAPXMLText()
        x.raw("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n")
        x.raw("<feed xmlns=\"http://www.w3.org/2005/Atom\">\n")
        x.element("id", feedID, depth: 1)
        x.element("title", title, depth: 1)
        x.element("updated", updated.canonicalText, depth: 1)
        x.open("author", depth: 1)
        x.element("name", author, depth: 2)
        x.close("author", depth: 1)
        x.raw("  <link rel=\"self\" type=\"application/atom+xml\" href=\"\(CAPXMLText.escape(selfURL, attribute: true))\"/>\n")
        for entry in entries {
            x.open("entry", depth: 1)
            x.element("id", entry.id, depth: 2)
            x.element("title", entry.title, depth: 2)
            x.element("updated", entry.updated.canonicalText, depth: 2)
            x.raw("    <link rel=\"alternate\" type=\"application/cap+xml\" href=\"\(CAPXMLText.escape(entry.link, attribute: true))\"/>\n")
            x.element("summary", entry.summary, depth: 2)
            x.close("entry", depth: 1)
        }
        x.raw("</feed>\n")
        return x.text
    }
}
