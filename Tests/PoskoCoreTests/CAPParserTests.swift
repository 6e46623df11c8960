import Foundation
import Testing
@testable import PoskoCore
import PoskoDelivery

/// A minimal valid alert; `header`/`info` let a test swap one part.
private func alertXML(
    namespace: String? = capNamespace,
    header: String = """
        <identifier>posko-test-1</identifier>
        <sender>bpbd@binjaikota.go.id</sender>
        <sent>2026-11-23T15:00:00+07:00</sent>
        <status>Actual</status>
        <msgType>Alert</msgType>
        <scope>Public</scope>
        """,
    info: String = """
        <info>
          <category>Met</category>
          <event>Banjir</event>
          <urgency>Immediate</urgency>
          <severity>Severe</severity>
          <certainty>Observed</certainty>
          <area>
            <areaDesc>Binjai Utara</areaDesc>
            <polygon>3.60,98.48 3.66,98.48 3.66,98.53 3.60,98.53 3.60,98.48</polygon>
          </area>
        </info>
        """
) -> String {
    let ns = namespace.map { " xmlns=\"\($0)\"" } ?? ""
    return "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<alert\(ns)>\n\(header)\n\(info)\n</alert>\n"
}

private func parseError(_ xml: String) -> CAPError? { parseError(Data(xml.utf8)) }

private func parseError(_ data: Data) -> CAPError? {
    do {
        _ = try CAPParser.parse(data)
        return nil
    } catch {
        return error
    }
}

@Suite("CAP parser")
struct CAPParserTests {
    @Test func parsesMinimalNamespacedAlert() throws {
        let alert = try CAPParser.parse(alertXML())
        #expect(alert.identifier == "posko-test-1")
        #expect(alert.status == .actual)
        #expect(alert.msgType == .alert)
        #expect(alert.sent.text == "2026-11-23T15:00:00+07:00")
        #expect(alert.sent.date == Date(timeIntervalSince1970: 1_795_420_800))
        #expect(alert.infos.count == 1)
        #expect(alert.infos[0].language == "en-US")
        #expect(alert.infos[0].areas[0].polygons[0].count == 5)
    }

    @Test func parsesUnnamespacedAlert() throws {
        let alert = try CAPParser.parse(alertXML(namespace: nil))
        #expect(alert.identifier == "posko-test-1")
        #expect(alert.infos[0].categories == [.met])
    }

    @Test func parsesReferences() throws {
        let header = """
            <identifier>u-2</identifier><sender>s@x.id</sender><sent>2026-11-23T16:00:00+07:00</sent>
            <status>Actual</status><msgType>Cancel</msgType><scope>Public</scope>
            <references>s@x.id,u-1,2026-11-23T15:00:00+07:00 other@y.id,u-0,2026-11-23T08:00:00-00:00</references>
            """
        let alert = try CAPParser.parse(alertXML(header: header))
        #expect(alert.msgType == .cancel)
        #expect(alert.references.map(\.identifier) == ["u-1", "u-0"])
        #expect(alert.references[0].sender == "s@x.id")
        #expect(alert.references[1].sent.utcOffsetSeconds == 0)
        #expect(alert.references[0].sent.date == alert.references[1].sent.date)
    }

    // MARK: - Errors

    @Test(arguments: [
        ("identifier", "alert is missing <identifier>"),
        ("sender", "alert is missing <sender>"),
        ("sent", "alert is missing <sent>"),
        ("status", "alert is missing <status>"),
        ("msgType", "alert is missing <msgType>"),
        ("scope", "alert is missing <scope>"),
    ])
    func missingHeaderElementIsNamed(element: String, message: String) throws {
        let header = """
            <identifier>posko-test-1</identifier>
            <sender>bpbd@binjaikota.go.id</sender>
            <sent>2026-11-23T15:00:00+07:00</sent>
            <status>Actual</status>
            <msgType>Alert</msgType>
            <scope>Public</scope>
            """
        let without = header.split(separator: "\n").filter { !$0.contains("<\(element)>") }.joined(separator: "\n")
        let error = try #require(parseError(alertXML(header: without)))
        #expect(error.kind == .missingElement)
        #expect(error.message == message)
        #expect(error.line == 2)
        #expect(error.description == "line 2: \(message)")
    }

    @Test func missingInfoElementNamesTheInfo() throws {
        let info = "<info><category>Met</category><urgency>Immediate</urgency><severity>Severe</severity><certainty>Observed</certainty></info>"
        let error = try #require(parseError(alertXML(info: info)))
        #expect(error.message == "info 1 is missing <event>")
    }

    @Test func missingAreaDesc() throws {
        let info = """
            <info><category>Met</category><event>x</event><urgency>Immediate</urgency><severity>Severe</severity>
            <certainty>Observed</certainty><area><circle>3.6,98.5 2</circle></area></info>
            """
        let error = try #require(parseError(alertXML(info: info)))
        #expect(error.message == "info 1 area 1 is missing <areaDesc>")
    }

    @Test func badEnumValueListsAllowedValues() throws {
        let header = """
            <identifier>a</identifier><sender>s</sender><sent>2026-11-23T15:00:00+07:00</sent>
            <status>Actul</status><msgType>Alert</msgType><scope>Public</scope>
            """
        let error = try #require(parseError(alertXML(header: header)))
        #expect(error.kind == .invalidValue)
        #expect(error.message == "alert <status> \"Actul\" is not one of Actual, Exercise, System, Test, Draft")
        #expect(error.line == 4)
    }

    @Test func badCategoryInInfo() throws {
        let info = "<info><category>Weather</category><event>x</event><urgency>Immediate</urgency><severity>Severe</severity><certainty>Observed</certainty></info>"
        let error = try #require(parseError(alertXML(info: info)))
        #expect(error.message.hasPrefix("info 1 <category> \"Weather\" is not one of Geo, Met"))
    }

    @Test(arguments: [
        "2026-11-23 15:00:00+07:00",
        "2026-11-23T15:00:00",
        "2026-02-30T15:00:00+07:00",
        "2026-11-23T25:00:00+07:00",
        "23/11/2026",
        "2026-11-23T15:00:00+07:00junk",
    ])
    func badDateIsRejected(sent: String) throws {
        let header = """
            <identifier>a</identifier><sender>s</sender><sent>\(sent)</sent>
            <status>Actual</status><msgType>Alert</msgType><scope>Public</scope>
            """
        let error = try #require(parseError(alertXML(header: header)))
        #expect(error.kind == .invalidDate)
        #expect(error.message.contains("<sent> \"\(sent)\" is not a CAP date-time"))
    }

    @Test(arguments: [
        ("3.60,98.48 3.66,98.48 3.66,98.53 3.60,98.48", nil as String?),
        ("3.60,98.48 3.66,98.48 3.60,98.48", "polygon has 3 points; CAP requires at least 4 (a closed ring)"),
        ("3.60,98.48 3.66,98.48 3.66,98.53 3.60,98.53", "polygon is not closed: first point 3.6,98.48 differs from last point 3.6,98.53"),
        ("93.60,98.48 3.66,98.48 3.66,98.53 93.60,98.48", "polygon point 1 latitude 93.60 is out of range [-90, 90]"),
        ("3.60,98.48 3.66,198.48 3.66,98.53 3.60,98.48", "polygon point 2 longitude 198.48 is out of range [-180, 180]"),
        ("3.60;98.48 3.66,98.48 3.66,98.53 3.60,98.48", "polygon point 1 \"3.60;98.48\" is not \"lat,lon\""),
    ])
    func polygonRules(polygon: String, expected: String?) throws {
        let info = """
            <info><category>Met</category><event>x</event><urgency>Immediate</urgency><severity>Severe</severity>
            <certainty>Observed</certainty><area><areaDesc>a</areaDesc>
            <polygon>\(polygon)</polygon></area></info>
            """
        let error = parseError(alertXML(info: info))
        if let expected {
            #expect(error?.kind == .invalidGeometry)
            #expect(error?.message == "info 1 area 1 polygon 1: \(expected)")
            #expect(error?.line == 11)
        } else {
            #expect(error == nil)
        }
    }

    @Test(arguments: [
        ("3.6,98.5 -1", "circle radius \"-1\" is not a non-negative number of kilometres"),
        ("3.6,98.5", "circle \"3.6,98.5\" is not \"lat,lon radius\""),
        ("3.6,998.5 1", "circle centre longitude 998.5 is out of range [-180, 180]"),
    ])
    func circleRules(circle: String, expected: String) throws {
        let info = """
            <info><category>Met</category><event>x</event><urgency>Immediate</urgency><severity>Severe</severity>
            <certainty>Observed</certainty><area><areaDesc>a</areaDesc><circle>\(circle)</circle></area></info>
            """
        let error = try #require(parseError(alertXML(info: info)))
        #expect(error.message == "info 1 area 1 circle 1: \(expected)")
    }

    @Test func capOneOneNamespaceIsUnsupported() throws {
        let error = try #require(parseError(alertXML(namespace: "urn:oasis:names:tc:emergency:cap:1.1")))
        #expect(error.kind == .unsupportedNamespace)
        #expect(error.message == "unsupported CAP namespace urn:oasis:names:tc:emergency:cap:1.1; only CAP 1.2 (urn:oasis:names:tc:emergency:cap:1.2) is accepted")
    }

    @Test func wrongRoot() throws {
        let error = try #require(parseError("<?xml version=\"1.0\"?><feed xmlns=\"http://www.w3.org/2005/Atom\"/>"))
        #expect(error.kind == .wrongRoot)
        #expect(error.message == "root element is <feed>; expected a CAP 1.2 <alert>")
    }

    @Test(arguments: ["", "   \n", "{\"identifier\": \"x\"}", "<alert><identifier>x</alert>", "<alert>", "<alert/>\n<alert/>", "<alert>&nbsp;</alert>"])
    func notXML(body: String) throws {
        let error = try #require(parseError(body))
        #expect(error.kind == .notXML)
    }

    @Test func malformedXMLHasLine() throws {
        let error = try #require(parseError("<?xml version=\"1.0\"?>\n<alert>\n<identifier>x</sender>\n</alert>"))
        #expect(error.kind == .notXML)
        #expect(error.line == 3)
        #expect(error.message == "not well-formed XML (opening and closing tags do not match; libxml2 error 76) at column 23")
    }

    @Test func duplicateSingleElement() throws {
        let header = """
            <identifier>a</identifier><identifier>b</identifier><sender>s</sender><sent>2026-11-23T15:00:00+07:00</sent>
            <status>Actual</status><msgType>Alert</msgType><scope>Public</scope>
            """
        let error = try #require(parseError(alertXML(header: header)))
        #expect(error.kind == .duplicateElement)
        #expect(error.message == "alert has 2 <identifier> elements; CAP allows one")
    }

    @Test func oversizedBodyIsRefusedBeforeParsing() throws {
        let body = Data(repeating: UInt8(ascii: " "), count: CAPParser.maxDocumentBytes + 1)
        let clock = ContinuousClock()
        var caught: CAPError?
        let elapsed = clock.measure {
            caught = parseError(body)
        }
        #expect(caught?.kind == .tooLarge)
        #expect(caught?.message == "document is 10485761 bytes; the limit is 10485760 bytes (10 MB)")
        #expect(elapsed < .seconds(1))
    }

    @Test func geometryVolumeIsBounded() throws {
        let circle = "<circle>3.6,98.5 1</circle>"
        let info = """
            <info><category>Met</category><event>x</event><urgency>Immediate</urgency><severity>Severe</severity>
            <certainty>Observed</certainty><area><areaDesc>a</areaDesc>\(String(repeating: circle, count: CAPParser.maxShapes + 1))</area></info>
            """
        let error = try #require(parseError(alertXML(info: info)))
        #expect(error.message == "alert has 5001 polygons and circles with 0 polygon points; the limits are 5000 and 100000")
    }

    @Test func billionLaughsFailsFast() throws {
        var xml = "<?xml version=\"1.0\"?>\n<!DOCTYPE lolz [\n <!ENTITY lol \"lol\">\n"
        xml += " <!ENTITY lol1 \"&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;\">\n"
        for i in 2...9 {
            xml += " <!ENTITY lol\(i) \"" + String(repeating: "&lol\(i - 1);", count: 10) + "\">\n"
        }
        xml += "]>\n<alert xmlns=\"\(capNamespace)\"><identifier>&lol9;</identifier></alert>\n"
        let clock = ContinuousClock()
        var caught: CAPError?
        let elapsed = clock.measure {
            caught = parseError(xml)
        }
        #expect(caught?.kind == .forbiddenDeclaration)
        #expect(caught?.line == 2)
        #expect(caught?.message == "DOCTYPE declarations are not accepted (CAP needs none; they allow entity-expansion and external-entity attacks)")
        #expect(elapsed < .milliseconds(100))
    }

    @Test func externalEntityIsRefused() throws {
        let xml = "<?xml version=\"1.0\"?><!DOCTYPE alert SYSTEM \"file:///etc/passwd\"><alert/>"
        #expect(parseError(xml)?.kind == .forbiddenDeclaration)
    }

    @Test func utf16IsRefusedWithAClearMessage() throws {
        var data = Data([0xFF, 0xFE])
        data.append(alertXML().data(using: .utf16LittleEndian) ?? Data())
        #expect(throws: CAPError(.unsupportedEncoding, "document is UTF-16 or UTF-32; send a CAP 1.2 <alert> document as UTF-8")) {
            try CAPParser.parse(data)
        }
    }

    @Test func foreignNamespaceElementsAreIgnored() throws {
        let xml = alertXML().replacingOccurrences(
            of: "</alert>",
            with: "<Signature xmlns=\"http://www.w3.org/2000/09/xmldsig#\"><identifier>evil</identifier></Signature></alert>"
        )
        #expect(try CAPParser.parse(xml).identifier == "posko-test-1")
    }

    @Test func textIsUnescapedAndTrimmed() throws {
        let info = """
            <info><category>Met</category><event>Banjir &amp; longsor</event><urgency>Immediate</urgency>
            <severity>Severe</severity><certainty>Observed</certainty>
            <headline>  Air &lt; 1 m &gt; 0,5 m "siaga" 'waspada'  </headline>
            <description><![CDATA[Banjir <b>lokal</b>]]></description></info>
            """
        let alert = try CAPParser.parse(alertXML(info: info))
        #expect(alert.infos[0].event == "Banjir & longsor")
        #expect(alert.infos[0].headline == "Air < 1 m > 0,5 m \"siaga\" 'waspada'")
        #expect(alert.infos[0].description == "Banjir <b>lokal</b>")
    }

    // MARK: - Real documents

    @Test(.enabled(if: CAPFixtures.runDataTests))
    func parsesBMKGNowcast() throws {
        let alert = try CAPParser.parse(CAPFixtures.data("bmkg/CSU20260924001_alert.xml"))
        #expect(alert.identifier == "2.49.0.1.360.0.2026.09.24.07.12.001")
        #expect(alert.sender == "cuaca.ekstrem@bmkg.go.id")
        #expect(alert.sent.text == "2026-09-24T13:25:00+07:00")
        #expect(alert.sent.utcOffsetSeconds == 7 * 3600)
        #expect(alert.status == .actual)
        #expect(alert.msgType == .alert)
        let info = try #require(alert.infos.first)
        #expect(info.language == "id")
        #expect(info.categories == [.met])
        #expect(info.event == "Hujan Lebat dan Petir")
        #expect(info.eventCodes == [CAPValuePair(valueName: "OET:v1.2", value: "OET-194")])
        #expect(info.expires?.canonicalText == "2026-09-24T16:55:00+07:00")
        #expect(info.areas.count == 1)
        #expect(info.areas[0].areaDesc == "Sumatera Utara")
        #expect(info.areas[0].polygons.count == 150)
        #expect(info.areas[0].polygons.reduce(0) { $0 + $1.count } == 3072)
        #expect(info.areas[0].polygons[33].first == Coordinate(lat: 3.776, lon: 98.633))
    }

    @Test(.enabled(if: CAPFixtures.runDataTests))
    func parsesEveryReferenceDocument() throws {
        let files = try CAPFixtures.files(in: "cap/examples", extension: "xml")
            + CAPFixtures.files(in: "bmkg", extension: "xml").filter { $0.lastPathComponent.hasSuffix("_alert.xml") }
        #expect(files.count >= 5)
        for file in files {
            let data = try #require(FileManager.default.contents(atPath: file.path))
            do {
                let alert = try CAPParser.parse(data)
                #expect(!alert.identifier.isEmpty, "\(file.lastPathComponent)")
                #expect(!alert.infos.isEmpty, "\(file.lastPathComponent)")
            } catch {
                Issue.record("\(file.lastPathComponent): \(error)")
            }
        }
    }

    @Test(.enabled(if: CAPFixtures.runDataTests))
    func oasisExamplesDetails() throws {
        let a2 = try CAPParser.parse(CAPFixtures.data("cap/examples/oasis-cap12-appendix-A2-severe-thunderstorm.xml"))
        #expect(a2.infos[0].responseTypes == [.shelter])
        #expect(a2.infos[0].areas[0].geocodes.map(\.value) == ["006109", "006009", "006003"])
        #expect(a2.infos[0].areas[0].polygons[0].count == 5)
        let a3 = try CAPParser.parse(CAPFixtures.data("cap/examples/oasis-cap12-appendix-A3-earthquake.xml"))
        #expect(a3.msgType == .update)
        #expect(a3.references == [CAPReference(
            sender: "trinet@caltech.edu", identifier: "TRI13970876.1",
            sent: try CAPDateTime.parse("2003-06-11T20:30:00-07:00")
        )])
        #expect(a3.infos[0].areas[0].circles == [GeoCircle(center: Coordinate(lat: 32.9525, lon: -115.5527), radiusKm: 0)])
        #expect(a3.infos[0].parameters.count == 5)
        let noaa = try CAPParser.parse(CAPFixtures.data("cap/examples/noaa-wcatwc-tsunami-cancellation-PAAQ-4-mg5a94.xml"))
        #expect(noaa.references.count == 3)
        #expect(noaa.codes == ["IPAWSv1.0"])
        #expect(noaa.infos[0].resources.first?.mimeType == "application/json")
        #expect(noaa.infos[0].language == "en-US")
        let a1 = try CAPParser.parse(CAPFixtures.data("cap/examples/oasis-cap12-appendix-A1-homeland-security.xml"))
        #expect(a1.infos[0].instruction?.hasPrefix("A High Condition") == true)
    }

    @Test(.enabled(if: CAPFixtures.runDataTests))
    func bmkgRSSIndexLinks() throws {
        let entries = try CAPIndexParser.parse(CAPFixtures.data("bmkg/nowcast-rss-id.xml"))
        #expect(entries.count == 11)
        let csu = try #require(entries.first { $0.url.hasSuffix("CSU20260924001_alert.xml") })
        #expect(csu.url == "https://www.bmkg.go.id/alerts/nowcast/id/CSU20260924001_alert.xml")
        #expect(csu.id == "2.49.0.1.360.0.2026.09.24.07.12.001")
        #expect(entries[0].title == "Hujan Lebat disertai Petir di Gorontalo")
        #expect(entries[0].published == "Thu, 24 Sep 2026 15:07:00 +0800")
        // The RSS document itself is not an alert.
        #expect(throws: CAPError.self) { try CAPParser.parse(CAPFixtures.data("bmkg/nowcast-rss-id.xml")) }
    }

    @Test func indexParserRefusesNonWebLinksAndDTDs() throws {
        let rss = """
            <rss version="2.0"><channel><title>t</title>
            <item><link>file:///etc/passwd</link></item>
            <item><link>https://example.id/a.xml</link><guid>a</guid></item>
            </channel></rss>
            """
        #expect(try CAPIndexParser.parse(Data(rss.utf8)).map(\.url) == ["https://example.id/a.xml"])
        let bomb = "<!DOCTYPE rss [<!ENTITY x \"y\">]><rss/>"
        #expect(throws: CAPError.self) { try CAPIndexParser.parse(Data(bomb.utf8)) }
    }
}
