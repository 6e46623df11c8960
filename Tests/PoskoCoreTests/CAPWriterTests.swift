import Foundation
import Testing
@testable import PoskoCore
import PoskoDelivery

/// Alerts as Posko would emit them, covering the features the writer must get right.
enum CAPWriterSamples {
    static let wib = 7 * 3600
    static let now = Date(timeIntervalSince1970: 1_795_420_800)  // 2026-11-23T15:00:00+07:00

    static func time(_ offsetMinutes: Int, tz: Int = wib) -> CAPDateTime {
        CAPDateTime(date: now.addingTimeInterval(Double(offsetMinutes * 60)), utcOffsetSeconds: tz)
    }

    static let floodArea = CAPArea(
        areaDesc: "Kel. Jati Utomo & Kel. Jati Karya, Kec. Binjai Utara <Kota Binjai>",
        polygons: [[
            Coordinate(lat: 3.64, lon: 98.49), Coordinate(lat: 3.68, lon: 98.49),
            Coordinate(lat: 3.68, lon: 98.53), Coordinate(lat: 3.64, lon: 98.53), Coordinate(lat: 3.64, lon: 98.49),
        ]],
        circles: [GeoCircle(center: Coordinate(lat: 3.6616, lon: 98.5069), radiusKm: 1.5)],
        geocodes: [.kemendagri("12.75.01.1007"), .kemendagri("12.75.01.1009")]
    )

    static let actualFlood = CAPAlert(
        identifier: "posko-binjai-2026-0001",
        sender: "posko@bpbd.binjaikota.go.id",
        sent: time(0),
        status: .actual,
        msgType: .alert,
        source: "Posko BPBD Kota Binjai",
        scope: .public,
        codes: ["posko"],
        note: "Catatan: \"siaga\" & 'waspada' < darurat > normal",
        infos: [CAPInfo(
            language: "id-ID",
            categories: [.met, .rescue],
            event: "Banjir",
            responseTypes: [.evacuate, .monitor],
            urgency: .immediate,
            severity: .severe,
            certainty: .observed,
            audience: "Warga & kader posyandu",
            eventCodes: [CAPValuePair(valueName: "POSKO", value: "banjir")],
            effective: time(0),
            onset: time(30),
            expires: time(6 * 60),
            senderName: "BPBD Kota Binjai",
            headline: "Siaga darurat banjir: Jati Utomo & Jati Karya",
            description: "Sungai Bingai meluap.\nKetinggian air > 50 cm di jalan <Jl. Samanhudi>.\n\"Segera\" ke pos 'Melati'.",
            instruction: "Ikuti arahan lurah & kader; hubungi 112.",
            web: "https://posko.binjaikota.go.id/darurat/1?lang=id&format=html",
            contact: "BPBD Binjai <061-882>",
            parameters: [CAPValuePair(valueName: "status_bnpb", value: "siaga_darurat")],
            resources: [CAPResource(resourceDesc: "Peta & rute", mimeType: "image/png", size: 2048, uri: "https://posko.binjaikota.go.id/peta.png")],
            areas: [floodArea]
        )]
    )

    static let drillLandslide = CAPAlert(
        identifier: "posko-latihan-0007",
        sender: "posko@bpbd.binjaikota.go.id",
        sent: time(90, tz: 0),
        status: .exercise,
        msgType: .update,
        scope: .public,
        note: "LATIHAN — bukan keadaan darurat sebenarnya",
        references: [CAPReference(sender: "posko@bpbd.binjaikota.go.id", identifier: "posko-latihan-0006", sent: time(0))],
        infos: [CAPInfo(
            language: "id-ID",
            categories: [.geo],
            event: "Tanah longsor (latihan)",
            urgency: .expected,
            severity: .moderate,
            certainty: .likely,
            expires: time(24 * 60, tz: 8 * 3600),
            headline: "LATIHAN: potensi longsor di Tanah Merah",
            areas: [
                CAPArea(areaDesc: "Kel. Tanah Merah", geocodes: [.kemendagri("12.75.05.1001")]),
                CAPArea(
                    areaDesc: "Lereng Sungai Bingai",
                    polygons: [[
                        Coordinate(lat: 3.55, lon: 98.45), Coordinate(lat: 3.57, lon: 98.45),
                        Coordinate(lat: 3.57, lon: 98.47), Coordinate(lat: 3.55, lon: 98.45),
                    ]],
                    altitude: 30.5, ceiling: 120
                ),
            ]
        )]
    )

    static let cancel = CAPAlert(
        identifier: "posko-binjai-2026-0002",
        sender: "posko@bpbd.binjaikota.go.id",
        sent: time(300),
        status: .actual,
        msgType: .cancel,
        scope: .public,
        references: [CAPReference(sender: "posko@bpbd.binjaikota.go.id", identifier: "posko-binjai-2026-0001", sent: time(0))],
        infos: []
    )

    static let all: [(String, CAPAlert)] = [("actual flood", actualFlood), ("exercise update", drillLandslide), ("cancel", cancel)]
}

@Suite("CAP writer")
struct CAPWriterTests {
    @Test(arguments: CAPWriterSamples.all.map(\.0))
    func roundTrip(name: String) throws {
        let alert = try #require(CAPWriterSamples.all.first { $0.0 == name }?.1)
        let xml = CAPWriter.document(for: alert)
        let parsed = try CAPParser.parse(xml)
        #expect(parsed == alert)
        // Writing again gives the same bytes.
        #expect(CAPWriter.document(for: parsed) == xml)
    }

    @Test(.enabled(if: CAPFixtures.runXmllintTests), arguments: CAPWriterSamples.all.map(\.0))
    func validatesAgainstSchema(name: String) throws {
        let alert = try #require(CAPWriterSamples.all.first { $0.0 == name }?.1)
        let result = try CAPFixtures.xmllint(CAPWriter.document(for: alert))
        #expect(result.status == 0, "\(result.output)")
    }

    @Test(.enabled(if: CAPFixtures.runXmllintTests))
    func rewrittenReferenceDocumentsValidate() throws {
        let files = try CAPFixtures.files(in: "cap/examples", extension: "xml")
            + CAPFixtures.files(in: "bmkg", extension: "xml").filter { $0.lastPathComponent.hasSuffix("_alert.xml") }
        for file in files {
            let original = try CAPParser.parse(try #require(FileManager.default.contents(atPath: file.path)))
            let xml = CAPWriter.document(for: original)
            let result = try CAPFixtures.xmllint(xml)
            #expect(result.status == 0, "\(file.lastPathComponent): \(result.output)")
            let again = try CAPParser.parse(xml)
            #expect(again.identifier == original.identifier)
            #expect(again.sent.date == original.sent.date)
            #expect(again.infos.map(\.areas) == original.infos.map(\.areas), "\(file.lastPathComponent)")
            #expect(again.infos.map(\.description) == original.infos.map(\.description))
        }
    }

    @Test func timesUseNumericOffsetsNeverZ() {
        let xml = CAPWriter.document(for: CAPWriterSamples.drillLandslide)
        #expect(xml.contains("<sent>2026-11-23T09:30:00-00:00</sent>"))
        #expect(xml.contains("<expires>2026-11-24T16:00:00+08:00</expires>"))
        #expect(xml.contains("posko-latihan-0006,2026-11-23T15:00:00+07:00</references>"))
        #expect(!xml.contains("Z<"))
        #expect(xml.contains("<status>Exercise</status>"))
    }

    @Test func textIsEscaped() {
        let xml = CAPWriter.document(for: CAPWriterSamples.actualFlood)
        #expect(xml.contains("<areaDesc>Kel. Jati Utomo &amp; Kel. Jati Karya, Kec. Binjai Utara &lt;Kota Binjai&gt;</areaDesc>"))
        #expect(xml.contains("<web>https://posko.binjaikota.go.id/darurat/1?lang=id&amp;format=html</web>"))
        #expect(!xml.contains("<Jl."))
    }

    @Test func geometryAndGeocodeForm() {
        let xml = CAPWriter.document(for: CAPWriterSamples.actualFlood)
        #expect(xml.contains("<polygon>3.64,98.49 3.68,98.49 3.68,98.53 3.64,98.53 3.64,98.49</polygon>"))
        #expect(xml.contains("<circle>3.6616,98.5069 1.5</circle>"))
        #expect(xml.contains("<geocode>\n        <valueName>KEMENDAGRI</valueName>\n        <value>12.75.01.1007</value>"))
    }

    @Test func openRingIsClosedOnOutput() throws {
        var alert = CAPWriterSamples.drillLandslide
        alert.infos[0].areas[1].polygons[0].removeLast()
        let xml = CAPWriter.document(for: alert)
        #expect(xml.contains("<polygon>3.55,98.45 3.57,98.45 3.57,98.47 3.55,98.45</polygon>"))
        #expect(try CAPParser.parse(xml) == CAPWriterSamples.drillLandslide)
    }

    @Test func elementOrderFollowsSchema() {
        let xml = CAPWriter.document(for: CAPWriterSamples.actualFlood)
        let order = ["<language>", "<category>", "<event>", "<responseType>", "<urgency>", "<severity>", "<certainty>",
                     "<audience>", "<eventCode>", "<effective>", "<onset>", "<expires>", "<senderName>", "<headline>",
                     "<description>", "<instruction>", "<web>", "<contact>", "<parameter>", "<resource>", "<area>"]
        let positions = order.compactMap { xml.range(of: $0)?.lowerBound }
        #expect(positions.count == order.count)
        #expect(positions == positions.sorted())
    }

    @Test func controlCharactersAreDroppedAndCarriageReturnsKept() throws {
        var alert = CAPWriterSamples.cancel
        alert.note = "baris 1\r\nbaris 2\u{0007}"
        let parsed = try CAPParser.parse(CAPWriter.document(for: alert))
        #expect(parsed.note == "baris 1\r\nbaris 2")
    }

    @Test func decimalsNeverUseExponents() {
        #expect(CAPGeometryText.decimal(0.00001) == "0.00001")
        #expect(CAPGeometryText.decimal(98.0) == "98")
        #expect(CAPGeometryText.decimal(-115.5527) == "-115.5527")
        #expect(CAPGeometryText.decimal(1e-7) == "0.0000001")
    }

    // MARK: - Atom

    @Test func atomFeedListsAlertsAndIsReadBack() throws {
        let entries = [
            CAPFeed.Entry(alert: CAPWriterSamples.actualFlood, link: "https://posko.binjaikota.go.id/cap/posko-binjai-2026-0001.xml"),
            CAPFeed.Entry(alert: CAPWriterSamples.drillLandslide, link: "https://posko.binjaikota.go.id/cap/posko-latihan-0007.xml?a=1&b=2"),
        ]
        let feed = CAPFeed.atom(
            entries: entries, feedID: "urn:posko:binjai:cap", updated: CAPWriterSamples.time(120),
            selfURL: "https://posko.binjaikota.go.id/cap/feed.atom"
        )
        #expect(feed.contains("<updated>2026-11-23T17:00:00+07:00</updated>"))
        #expect(feed.contains("href=\"https://posko.binjaikota.go.id/cap/posko-latihan-0007.xml?a=1&amp;b=2\""))
        let read = try CAPIndexParser.parse(Data(feed.utf8))
        #expect(read.map(\.url) == entries.map(\.link))
        #expect(read[0].title == "Siaga darurat banjir: Jati Utomo & Jati Karya")
        // An exercise says so in the feed's title too, once.
        var drill = CAPWriterSamples.actualFlood
        drill.status = .exercise
        #expect(CAPFeed.Entry(alert: drill, link: "https://x.id/a.xml").title == "LATIHAN: Siaga darurat banjir: Jati Utomo & Jati Karya")
        #expect(entries[1].title == "LATIHAN: potensi longsor di Tanah Merah")
        #expect(read[1].published == "2026-11-23T09:30:00-00:00")
    }

    @Test(.enabled(if: CAPFixtures.xmllintPath != nil || CAPFixtures.isCI))
    func atomFeedIsWellFormed() throws {
        let feed = CAPFeed.atom(
            entries: [CAPFeed.Entry(alert: CAPWriterSamples.actualFlood, link: "https://x.id/a.xml")],
            feedID: "urn:posko:test", updated: CAPWriterSamples.time(0), selfURL: "https://x.id/feed?x=1&y=2"
        )
        let result = try CAPFixtures.xmllint(feed, schema: false)
        #expect(result.status == 0, "\(result.output)")
    }
}
