import Foundation
import PoskoCore

/// One CAP document listed by a feed index.
public struct CAPIndexEntry: Sendable, Equatable {
    /// Where the CAP XML lives (http or https only).
    public var url: String
    /// RSS `<guid>` (BMKG puts the CAP identifier there) or Atom `<id>`.
    public var id: String?
    public var title: String?
    /// RSS `<pubDate>` or Atom `<updated>`, as written.
    public var published: String?

    public init(url: String, id: String? = nil, title: String? = nil, published: String? = nil) {
        self.url = url
        self.id = id
        self.title = title
        self.published = published
    }
}

/// Extracts CAP links from an RSS 2.0 index (BMKG's `rss.xml`) or an Atom feed (Posko's own
/// `CAPFeed`). Same guards as the CAP parser: size limit, no DOCTYPE/ENTITY.
/// Links that are not http(s) are skipped, so a feed cannot point the poller at local files.
public enum CAPIndexParser {
    static let atomNamespace = "http://www.w3.org/2005/Atom"

    public static func parse(_ data: Data) throws(CAPError) -> [CAPIndexEntry] {
        let root = try CAPXMLDocument.parse(data, what: "an RSS or Atom index of CAP alerts")
        switch (root.name, root.namespace) {
        case ("rss", ""):
            return rssEntries(root)
        case ("feed", atomNamespace):
            return atomEntries(root)
        default:
            throw CAPError(.wrongRoot, "root element is <\(root.name)>; expected RSS <rss> or Atom <feed>", line: root.line)
        }
    }

    private static func rssEntries(_ rss: CAPXMLElement) -> [CAPIndexEntry] {
        let items = rss.children(named: "channel", namespace: "").flatMap { $0.children(named: "item", namespace: "") }
        return items.compactMap { item in
            func text(_ name: String) -> String? {
                item.children(named: name, namespace: "").first.map(\.trimmedText).flatMap { $0.isEmpty ? nil : $0 }
            }
            let enclosure = item.children(named: "enclosure", namespace: "").first?.attributes["url"]
            guard let url = [text("link"), enclosure].compactMap({ $0 }).first(where: isWebURL) else { return nil }
            return CAPIndexEntry(url: url, id: text("guid"), title: text("title"), published: text("pubDate"))
        }
    }

    private static func atomEntries(_ feed: CAPXMLElement) -> [CAPIndexEntry] {
        feed.children(named: "entry", namespace: atomNamespace).compactMap { entry in
            func text(_ name: String) -> String? {
                entry.children(named: name, namespace: atomNamespace).first.map(\.trimmedText).flatMap { $0.isEmpty ? nil : $0 }
            }
            let links = entry.children(named: "link", namespace: atomNamespace)
            // Prefer the link typed as CAP, then the alternate link.
            let preferred = links.first { $0.attributes["type"] == "application/cap+xml" }
                ?? links.first { ($0.attributes["rel"] ?? "alternate") == "alternate" }
            guard let url = preferred?.attributes["href"], isWebURL(url) else { return nil }
            return CAPIndexEntry(url: url, id: text("id"), title: text("title"), published: text("updated"))
        }
    }

    private static func isWebURL(_ s: String) -> Bool {
        let lower = s.lowercased()
        return lower.hasPrefix("https://") || lower.hasPrefix("http://")
    }
}
