import Foundation
import PoskoApp
import PoskoCore
import PoskoTesting
import Testing

/// Golden tests: each broken playbook in Fixtures/playbooks/broken has one defect (or many,
/// for many-defects.yaml) and a `.expected` file with the exact error lines.
@Suite struct PlaybookValidationTests {
    static let fixtures = RepoPaths.path("Tests/PoskoCoreTests/Fixtures/playbooks")
    static let brokenDir = fixtures + "/broken"

    /// `posko validate FILE`: a playbook named alone is checked with the others of its directory
    /// (Binjai Kota's fallbacks include another kecamatan's posts), and only its own findings
    /// are reported.
    @Test func aPlaybookNamedAloneIsCheckedWithItsNeighbours() throws {
        let (set, diagnostics) = PlaybookFiles.check(paths: [RepoPaths.path("Playbooks/12.75.02-binjai-kota.yaml")])
        #expect(set != nil && diagnostics.errors.isEmpty, "\(diagnostics)")
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("posko-validate-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        for name in try FileManager.default.contentsOfDirectory(atPath: RepoPaths.path("Playbooks")) where name.hasSuffix(".yaml") {
            var text = try String(contentsOfFile: RepoPaths.path("Playbooks/\(name)"), encoding: .utf8)
            if name.hasPrefix("12.75.02") { text = text.replacingOccurrences(of: "cadangan: [berngam-3, satria-3]", with: "cadangan: [tidak-ada, satria-3]") }
            if name.hasPrefix("12.75.03") { text = text.replacingOccurrences(of: "- id: ", with: "- idx: ", options: [], range: text.range(of: "- id: ")) }
            try text.write(to: dir.appendingPathComponent(name), atomically: true, encoding: .utf8)
        }
        let kota = dir.appendingPathComponent("12.75.02-binjai-kota.yaml").path
        let (broken, found) = PlaybookFiles.check(paths: [kota])
        #expect(broken == nil)
        #expect(found.errors.contains { $0.message.contains("fallback 'tidak-ada'") }, "\(found)")
        #expect(found.allSatisfy { URL(fileURLWithPath: $0.file).lastPathComponent == "12.75.02-binjai-kota.yaml" }, "only the named file's findings: \(found)")
    }

    static var cases: [String] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: brokenDir)) ?? []
        return names.filter { !$0.hasSuffix(".expected") }.sorted()
    }

    /// Errors as the CLI prints them, with paths relative to the broken/ directory.
    static func errors(for name: String) -> [String] {
        let (set, diagnostics) = PlaybookFiles.load(paths: [brokenDir + "/" + name])
        #expect(set == nil, "\(name) must be rejected")
        return diagnostics.errors.map { $0.description.replacingOccurrences(of: brokenDir + "/", with: "") }
    }

    @Test func thereAreEnoughCases() {
        #expect(Self.cases.count >= 20)
    }

    @Test(arguments: cases)
    func brokenPlaybookGivesExactErrors(name: String) throws {
        let stem = name.hasSuffix(".yaml") ? String(name.dropLast(5)) : name
        let expected = try String(contentsOfFile: "\(Self.brokenDir)/\(stem).expected", encoding: .utf8)
            .split(separator: "\n").map(String.init)
        let start = ContinuousClock.now
        let actual = Self.errors(for: name)
        #expect(actual == expected)
        // Every defect is caught quickly, whatever the input (bombs, nesting, junk).
        #expect(ContinuousClock.now - start < .seconds(2))
    }

    @Test func baseFixtureIsValid() {
        let (set, diagnostics) = PlaybookFiles.load(paths: [Self.fixtures + "/base.yaml"])
        #expect(diagnostics.errors.isEmpty, "\(diagnostics.errors)")
        #expect(set?.posts.count == 2)
        #expect(set?.cadres["k-1"]?.telepon == "+6281200000001")
        #expect(set?.cadre(phone: "+6281200000001")?.id == "k-1" && set?.cadre(phone: "+6281299999999") == nil)
        #expect(set?.cadres(atPost: "a-1").map(\.id).contains("k-1") == true)
        #expect(set?.posts["a-1"]?.laporSetiap == 6 * 3600)
    }

    @Test func eachKecamatanFindsItsOwnPlaybook() {
        let set = SamplePlaybooks.set
        #expect(set.playbooks.count == 5)
        for pb in set.playbooks { #expect(set.playbook(kecamatan: pb.kecamatan)?.nama == pb.nama) }
        for missing in ["", "12.75", "12.75.00", "12.75.015", "12.75.06", "99.99.99"] { #expect(set.playbook(kecamatan: missing) == nil) }
    }

    @Test func coverageGapsAreWarningsNotErrors() throws {
        let (set, diagnostics) = PlaybookFiles.load(paths: [Self.fixtures + "/base.yaml"])
        #expect(set != nil)
        let warnings = diagnostics.warnings.map(\.message)
        #expect(warnings.contains("kelurahan 12.75.01.1001 (Pahlawan) has no post for pendidikan, pekerjaan_umum, perumahan_rakyat, trantibumlinmas, sosial"))
        #expect(warnings.contains("kelurahan 12.75.01.1003 (Nangka) has no post for any SPM field"))
    }

    /// The lurah given a cadre's phone: valid, but warned where the lurah is listed, since an
    /// SMS from that phone is taken as the cadre's (the lurah could not report by SMS).
    @Test func aNumberOfTwoPeopleIsAWarningAtTheSecond() throws {
        let dir = try TempDir()
        defer { dir.remove() }
        let base = try String(contentsOfFile: Self.fixtures + "/base.yaml", encoding: .utf8)
        let path = try dir.write("shared.yaml", base.replacingOccurrences(of: "telepon: \"0813-0000-0001\"", with: "telepon: \"0812-0000-0001\""))
        let (set, diagnostics) = PlaybookFiles.load(paths: [path])
        #expect(set != nil)
        let shared = diagnostics.warnings.filter { $0.message.hasPrefix("number +6281200000001") }
        #expect(shared.count == 1)
        #expect(shared.first?.line == 6, "the lurah's line")
        #expect(shared.first?.message == "number +6281200000001 of the lurah Lurah Contoh is already the number of cadre 'k-1' (at \(path):24:5); an SMS from it is taken as from cadre 'k-1'")
    }

    @Test func fiftyMegabyteFileIsRejectedQuickly() throws {
        let dir = try TempDir()
        defer { dir.remove() }
        let path = dir.url.appendingPathComponent("huge.yaml").path
        let line = Data("  - { id: x, nama: y }\n".utf8)
        var data = Data("pos:\n".utf8)
        data.reserveCapacity(50 << 20)
        while data.count < 50 << 20 { data.append(line) }
        try data.write(to: URL(fileURLWithPath: path))
        let start = ContinuousClock.now
        let (set, diagnostics) = PlaybookFiles.load(paths: [path])
        #expect(set == nil)
        #expect(diagnostics.errors.map(\.message) == ["file is 4194305 bytes; the limit is 4194304 bytes"])
        #expect(ContinuousClock.now - start < .seconds(2))
    }

    @Test func samplePlaybooksAreValidAndCoverBinjai() throws {
        let (set, diagnostics) = PlaybookFiles.load(paths: [RepoPaths.path("Playbooks")])
        #expect(diagnostics.errors.isEmpty, "\(diagnostics.errors.prefix(5))")
        let set2 = try #require(set)
        #expect(set2.playbooks.map(\.kecamatan) == ["12.75.01", "12.75.02", "12.75.03", "12.75.04", "12.75.05"])
        let kelurahan = Set(set2.posts.map(\.kelurahan))
        #expect(kelurahan.count == 37)
        // Every kelurahan × SPM field has at least one post: no coverage-gap warning.
        #expect(diagnostics.warnings.isEmpty, "\(diagnostics.warnings.prefix(3))")
        #expect(set2.posts.contains { $0.rawan.contains(.banjir) })
        // Posts and cadres are listed in kecamatan then file order, each found by its id at its position.
        #expect(set2.posts.map(\.id) == set2.playbooks.flatMap { $0.pos.map(\.id) })
        #expect(set2.cadres.map(\.id) == set2.playbooks.flatMap { $0.kader.map(\.id) })
        #expect(set2.posts.indices.allSatisfy { set2.posts[set2.posts[$0].id]?.id == set2.posts[$0].id && set2.posts.position[set2.posts[$0].id] == Int32($0) })
        #expect(set2.cadres.indices.allSatisfy { set2.cadres.position[set2.cadres[$0].id] == Int32($0) })
        #expect(set2.posts["no-such-post"] == nil && set2.cadres["no-such-cadre"] == nil)
    }

    @Test(arguments: [
        ("0812-3456-7890", "+6281234567890"),
        ("+62 812 3456 7890", "+6281234567890"),
        ("6281234567890", "+6281234567890"),
        ("(0812) 345.678", "+62812345678"),
        ("006281200000002", "+6281200000002"),
    ])
    func phoneNumbersNormalise(raw: String, e164: String) {
        #expect(PhoneNumber.normalize(raw) == e164)
    }

    @Test(arguments: ["061-8820000", "+4915112345678", "0812", "0800-1234-5678", "08123456789012345", "0812abc5678", "", "0049151123456789", "3636"])
    func nonMobileNumbersAreRejected(raw: String) {
        #expect(PhoneNumber.normalize(raw) == nil)
    }

    @Test(arguments: [("30m", 1800), ("6h", 21600), ("1h30m", 5400), ("2d", 172_800), ("45s", 45), (" 6H ", 21600)])
    func durationsParse(text: String, seconds: Int) {
        #expect(DurationText.seconds(text) == seconds)
        #expect(DurationText.seconds(DurationText.format(seconds)) == seconds)
    }

    @Test(arguments: ["", "6", "6 jam", "h", "0m", "-5m", "1.5h", "99999999h"])
    func badDurationsAreRejected(text: String) {
        #expect(DurationText.seconds(text) == nil)
    }

    @Test func embeddedWilayahTableMatchesSharedCSV() throws {
        guard let path = try RepoPaths.requireShared("data/wilayah/binjai.csv") else { return }
        let shared = try WilayahTable.parseCSV(String(contentsOfFile: path, encoding: .utf8))
        #expect(WilayahTable.binjai.units == shared.units)
        #expect(WilayahTable.binjai.kecamatan.count == 5)
        #expect(WilayahTable.binjai.units.values.filter { $0.level == .kelurahan }.count == 37)
    }
}
