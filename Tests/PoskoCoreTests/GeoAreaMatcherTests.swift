import Foundation
import Testing
@testable import PoskoCore
import PoskoDelivery

private let binjaiUtara = (1...9).map { "12.75.01.100\($0)" }
private let pahlawanCentroid = Coordinate(lat: 3.623128, lon: 98.497166)

private func codes(_ matches: [KelurahanMatch]) -> [String] { matches.map(\.code) }

@Suite("Area matcher", .enabled(if: CAPFixtures.runDataTests))
struct GeoAreaMatcherTests {
    /// BMKG nowcast CSU20260924001 (150 polygons over Sumatera Utara) against Binjai.
    ///
    /// Expected set computed independently, twice:
    /// - `shared/data/bmkg/SOURCES.md`: Python + shapely, only ring index 33 touches Binjai, and
    ///   it reaches Sumber Mulyorejo, Jati Utomo, Jati Karya, Jati Makmur and (a sliver of) Sumber Karya;
    /// - a shapely-free Python script (vertex-in-polygon + segment crossing over all 150 × 37
    ///   pairs, plain floats) gave the same five codes, all from ring 33; Sumber Karya is a
    ///   robust hit (2 of its boundary vertices lie inside ring 33).
    @Test func bmkgNowcastPolygonsReachFiveKelurahan() throws {
        let alert = try CAPParser.parse(CAPFixtures.data("bmkg/CSU20260924001_alert.xml"))
        let matches = try CAPFixtures.binjaiMatcher().match(alert)
        #expect(codes(matches) == ["12.75.01.1007", "12.75.01.1008", "12.75.01.1009", "12.75.04.1006", "12.75.04.1007"])
        #expect(matches.allSatisfy { $0.method == .polygon(33) && !$0.viaFallbackPoint && $0.areaDesc == "Sumatera Utara" })
        #expect(matches.map(\.name) == ["Jati Utomo", "Jati Makmur", "Jati Karya", "Sumber Mulyorejo", "Sumber Karya"])
        #expect(matches[0].reason == "poligon 34 dari peringatan BMKG memotong batas Kel. Jati Utomo")
        #expect(matches[3].kecamatanName == "Binjai Timur")
        // Every piece of evidence is ring 33 too.
        let all = try CAPFixtures.binjaiMatcher().allMatches(alert)
        #expect(all == matches)
    }

    /// The BMKG areaDesc is the whole province; its polygons are the real extent, so by default
    /// names are not used when an area has geometry.
    @Test func provinceNameIsNotUsedWhenPolygonsExist() throws {
        let alert = try CAPParser.parse(CAPFixtures.data("bmkg/CSU20260924001_alert.xml"))
        let always = try CAPFixtures.binjaiMatcher(nameMatching: .always)
        let matches = always.match(alert)
        #expect(matches.count == 37)
        #expect(matches.filter { $0.method == .polygon(33) }.count == 5)
        #expect(matches.first { $0.code == "12.75.02.1001" }?.reason
            == "nama \"Sumatera Utara\" pada area \"Sumatera Utara\" dari peringatan BMKG cocok dengan Provinsi Sumatera Utara, yang mencakup Kel. Berngam")
    }

    @Test(arguments: [
        ("Binjai Utara", binjaiUtara),
        ("KEC. BINJAI UTARA", binjaiUtara),
        ("Kecamatan Binjai Utara, Kota Binjai", binjaiUtara),
        ("Binjai Utara (Kota Binjai)", binjaiUtara),
        ("Kel. Jati Utomo, Kec. Binjai Utara, Kota Binjai", ["12.75.01.1007"]),
        ("Kelurahan  SUMBER MULYO REJO", ["12.75.04.1006"]),
        ("Pahlawan dan Damai", ["12.75.01.1001", "12.75.01.1004"]),
        ("Tanah Tinggi; Dataran Tinggi", ["12.75.04.1001", "12.75.04.1002"]),
        ("Kel. Binjai", ["12.75.02.1006"]),
        ("Binjai Kota", (1...7).map { "12.75.02.100\($0)" }),
        ("Kota Binjai", nil),
        ("Binjai", nil),
        ("HAMPARAN PERAK, MEDAN DELI, LABUHAN DELI", []),
        ("Kec. Pahlawan", []),
    ] as [(String, [String]?)])
    func namesInAreaDesc(areaDesc: String, expected: [String]?) throws {
        let matcher = try CAPFixtures.binjaiMatcher()
        let matches = matcher.match(areas: [CAPArea(areaDesc: areaDesc)], source: "BMKG")
        if let expected {
            #expect(codes(matches) == expected)
        } else {
            #expect(matches.count == 37)  // the whole kota
        }
        #expect(matches.allSatisfy { if case .name = $0.method { true } else { false } })
    }

    @Test func nameReasonIsIndonesian() throws {
        let matcher = try CAPFixtures.binjaiMatcher()
        let kel = matcher.match(areas: [CAPArea(areaDesc: "Kel. Jati Utomo, Kec. Binjai Utara")], source: "BMKG")
        #expect(kel.map(\.method) == [.name("Kel. Jati Utomo")])
        #expect(kel.first?.reason == "nama \"Kel. Jati Utomo\" pada area \"Kel. Jati Utomo, Kec. Binjai Utara\" dari peringatan BMKG cocok dengan Kel. Jati Utomo")
        let kec = matcher.match(areas: [CAPArea(areaDesc: "Binjai Timur")])
        #expect(kec.first?.reason == "nama \"Binjai Timur\" pada area \"Binjai Timur\" dari peringatan cocok dengan Kec. Binjai Timur, yang mencakup Kel. Tanah Tinggi")
    }

    /// Expected sets from an independent Python check: haversine distance from the centre to
    /// boundary edges densified to 200 steps (no projection); nearest miss for 1 km is > 0.05 km away.
    @Test func circles() throws {
        let matcher = try CAPFixtures.binjaiMatcher()
        let point = matcher.match(areas: [CAPArea(areaDesc: "titik", circles: [GeoCircle(center: pahlawanCentroid, radiusKm: 0)])])
        #expect(codes(point) == ["12.75.01.1001"])
        let oneKm = matcher.match(areas: [CAPArea(areaDesc: "1 km", circles: [GeoCircle(center: pahlawanCentroid, radiusKm: 1)])])
        #expect(codes(oneKm) == [
            "12.75.01.1001", "12.75.01.1002", "12.75.01.1003", "12.75.01.1004", "12.75.01.1005",
            "12.75.01.1008", "12.75.02.1007", "12.75.03.1003", "12.75.03.1004",
        ])
        #expect(oneKm.allSatisfy { $0.method == .circle(0) })
        #expect(oneKm[0].reason == "lingkaran 1 (radius 1 km) dari peringatan menjangkau Kel. Pahlawan")
        let far = matcher.match(areas: [CAPArea(areaDesc: "Medan", circles: [GeoCircle(center: Coordinate(lat: 3.595, lon: 98.672), radiusKm: 5)])])
        #expect(far.isEmpty)
    }

    @Test(arguments: [
        (CAPValuePair(valueName: "KEMENDAGRI", value: "12.75.01.1001"), ["12.75.01.1001"]),
        (CAPValuePair(valueName: "KEMENDAGRI", value: "12.75.01"), binjaiUtara),
        (CAPValuePair(valueName: "anything", value: "12.75.01"), binjaiUtara),
        (CAPValuePair(valueName: "kode_wilayah", value: "127504"), (1...7).map { "12.75.04.100\($0)" }),
        (CAPValuePair(valueName: "KEMENDAGRI", value: "1275011007"), ["12.75.01.1007"]),
        (CAPValuePair(valueName: "SAME", value: "127501"), []),
        (CAPValuePair(valueName: "KEMENDAGRI", value: "12.76.01"), []),
        (CAPValuePair(valueName: "KEMENDAGRI", value: "12.7.01"), []),
    ] as [(CAPValuePair, [String])])
    func geocodes(geocode: CAPValuePair, expected: [String]) throws {
        let matches = try CAPFixtures.binjaiMatcher().match(areas: [CAPArea(areaDesc: "x", geocodes: [geocode])])
        #expect(codes(matches) == expected)
        #expect(matches.allSatisfy { $0.method == .geocode(geocode.value) })
    }

    @Test func wholeKotaByGeocode() throws {
        let matches = try CAPFixtures.binjaiMatcher().match(areas: [CAPArea(areaDesc: "x", geocodes: [.kemendagri("1275")])], source: "BPBD")
        #expect(matches.count == 37)
        #expect(matches[0].reason == "kode wilayah 1275 (Kota Binjai) dari peringatan BPBD mencakup Kel. Pahlawan")
    }

    /// A Kemendagri geocode makes the area precise, so its areaDesc name is not also used.
    @Test func geocodeBeatsNameAndIsStrongest() throws {
        let matcher = try CAPFixtures.binjaiMatcher()
        let area = CAPArea(
            areaDesc: "Binjai Utara",
            polygons: [[
                Coordinate(lat: 3.62, lon: 98.49), Coordinate(lat: 3.63, lon: 98.49),
                Coordinate(lat: 3.63, lon: 98.50), Coordinate(lat: 3.62, lon: 98.49),
            ]],
            geocodes: [.kemendagri("12.75.01.1001")]
        )
        let matches = matcher.match(areas: [area])
        #expect(matches.first { $0.code == "12.75.01.1001" }?.method == .geocode("12.75.01.1001"))
        #expect(!matches.contains { if case .name = $0.method { true } else { false } })
        let every = matcher.allMatches(areas: [area])
        #expect(every.filter { $0.code == "12.75.01.1001" }.map(\.method) == [.geocode("12.75.01.1001"), .polygon(0)])
    }

    @Test func fallbackPointWhenBoundaryMissing() throws {
        var kelurahan = AreaMatcher.attach(try CAPFixtures.binjaiBoundaries(), to: try CAPFixtures.binjaiKelurahan())
        let i = try #require(kelurahan.firstIndex { $0.code == "12.75.01.1001" })
        kelurahan[i].boundary = []
        kelurahan[i].fallbackPoints = [pahlawanCentroid]
        let matcher = AreaMatcher(kelurahan: kelurahan)
        // A small square around the post location.
        let d = 0.0005
        let square = [
            Coordinate(lat: pahlawanCentroid.lat - d, lon: pahlawanCentroid.lon - d),
            Coordinate(lat: pahlawanCentroid.lat + d, lon: pahlawanCentroid.lon - d),
            Coordinate(lat: pahlawanCentroid.lat + d, lon: pahlawanCentroid.lon + d),
            Coordinate(lat: pahlawanCentroid.lat - d, lon: pahlawanCentroid.lon + d),
            Coordinate(lat: pahlawanCentroid.lat - d, lon: pahlawanCentroid.lon - d),
        ]
        let byPolygon = matcher.match(areas: [CAPArea(areaDesc: "pos", polygons: [square])], source: "BMKG")
        #expect(codes(byPolygon) == ["12.75.01.1001"])
        #expect(byPolygon[0].viaFallbackPoint)
        #expect(byPolygon[0].reason == "poligon 1 dari peringatan BMKG mencakup titik pos di Kel. Pahlawan (batas kelurahan tidak tersedia)")
        let byCircle = matcher.match(areas: [CAPArea(areaDesc: "pos", circles: [GeoCircle(center: Coordinate(lat: 3.6235, lon: 98.4975), radiusKm: 0.1)])])
        #expect(codes(byCircle) == ["12.75.01.1001"])
        #expect(byCircle[0].viaFallbackPoint)
        // A circle that does not reach the post location misses the kelurahan.
        let miss = matcher.match(areas: [CAPArea(areaDesc: "x", circles: [GeoCircle(center: Coordinate(lat: 3.6180, lon: 98.4990), radiusKm: 0.05)])])
        #expect(!codes(miss).contains("12.75.01.1001"))
        // A kelurahan with neither boundary nor point is still reachable by code and name.
        kelurahan[i].fallbackPoints = []
        let bare = AreaMatcher(kelurahan: kelurahan)
        #expect(codes(bare.match(areas: [CAPArea(areaDesc: "Pahlawan")])) == ["12.75.01.1001"])
        #expect(codes(bare.match(areas: [CAPArea(areaDesc: "x", geocodes: [.kemendagri("12.75.01.1001")])])) == ["12.75.01.1001"])
    }

    @Test func multipleInfosAndAreasAreReported() throws {
        let matcher = try CAPFixtures.binjaiMatcher()
        let info1 = CAPInfo(language: "id", categories: [.met], event: "Banjir", urgency: .immediate, severity: .severe, certainty: .observed,
                            areas: [CAPArea(areaDesc: "Pahlawan"), CAPArea(areaDesc: "Damai")])
        var info2 = info1
        info2.language = "en-US"
        let alert = CAPAlert(identifier: "x", sender: "bpbd@binjaikota.go.id", sent: CAPDateTime(date: Date(timeIntervalSince1970: 0)),
                             status: .actual, msgType: .alert, infos: [info1, info2])
        let matches = matcher.match(alert)
        #expect(codes(matches) == ["12.75.01.1001", "12.75.01.1004"])
        #expect(matches.map(\.infoIndex) == [0, 0])
        #expect(matches.map(\.areaIndex) == [0, 1])
        #expect(matches[1].reason == "nama \"Damai\" pada area \"Damai\" dari peringatan bpbd@binjaikota.go.id cocok dengan Kel. Damai")
        #expect(matcher.allMatches(alert).count == 4)
    }

    @Test func deterministicAcrossRuns() throws {
        let alert = try CAPParser.parse(CAPFixtures.data("bmkg/CSU20260924001_alert.xml"))
        var kelurahan = AreaMatcher.attach(try CAPFixtures.binjaiBoundaries(), to: try CAPFixtures.binjaiKelurahan())
        let first = AreaMatcher(kelurahan: kelurahan).match(alert)
        kelurahan.reverse()
        #expect(AreaMatcher(kelurahan: kelurahan).match(alert) == first)
    }
}

@Suite("Area matcher from the wilayah table")
struct GeoAreaMatcherWilayahTests {
    @Test(.enabled(if: CAPFixtures.runDataTests))
    func tableAndBoundaries() throws {
        let alert = try CAPParser.parse(CAPFixtures.data("bmkg/CSU20260924001_alert.xml"))
        let matcher = AreaMatcher(table: .binjai, boundaries: try CAPFixtures.binjaiBoundaries())
        #expect(codes(matcher.match(alert)) == ["12.75.01.1007", "12.75.01.1008", "12.75.01.1009", "12.75.04.1006", "12.75.04.1007"])
        #expect(matcher.match(areas: [CAPArea(areaDesc: "Kota Binjai")]).count == 37)
        #expect(codes(matcher.match(areas: [CAPArea(areaDesc: "Kec. Binjai Selatan")])).count == 8)
    }

    /// Without boundaries, the table's centroids stand in: a circle around Pahlawan's centroid
    /// reaches it, a circle 1 km away does not.
    @Test func centroidsStandInWithoutBoundaries() {
        let matcher = AreaMatcher(table: .binjai)
        let near = matcher.match(areas: [CAPArea(areaDesc: "x", circles: [GeoCircle(center: pahlawanCentroid, radiusKm: 0.05)])])
        #expect(codes(near) == ["12.75.01.1001"])
        #expect(near.first?.viaFallbackPoint == true)
        let post = Coordinate(lat: 3.6255, lon: 98.4990)
        let withPost = AreaMatcher(table: .binjai, fallbackPoints: ["12.75.01.1001": [post]])
        #expect(codes(withPost.match(areas: [CAPArea(areaDesc: "x", circles: [GeoCircle(center: post, radiusKm: 0.05)])])) == ["12.75.01.1001"])
        #expect(codes(matcher.match(areas: [CAPArea(areaDesc: "x", circles: [GeoCircle(center: post, radiusKm: 0.05)])])).isEmpty)
    }
}
