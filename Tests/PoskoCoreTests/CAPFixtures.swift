import Foundation
import PoskoCore

/// Shared reference data (`../shared/data` next to the repository) and the xmllint tool.
/// Outside CI a test that needs a missing one is skipped; in CI (env `CI` set) it runs and fails.
enum CAPFixtures {
    static let isCI = ProcessInfo.processInfo.environment["CI"] != nil

    /// Tests/PoskoCoreTests/CAPFixtures.swift → repository root → ../shared/data
    static let dataDirectory: URL = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("shared/data", isDirectory: true)

    static var sharedDataAvailable: Bool {
        FileManager.default.fileExists(atPath: dataDirectory.appendingPathComponent("bmkg/CSU20260924001_alert.xml").path)
    }

    /// Enable a test when the data is there, or in CI (where its absence must fail).
    static var runDataTests: Bool { sharedDataAvailable || isCI }

    struct Missing: Error, CustomStringConvertible {
        var description: String
    }

    static func data(_ relativePath: String) throws -> Data {
        let url = dataDirectory.appendingPathComponent(relativePath)
        guard let data = FileManager.default.contents(atPath: url.path) else {
            throw Missing(description: "shared test data missing: \(url.path)")
        }
        return data
    }

    static func files(in relativeDirectory: String, extension ext: String) throws -> [URL] {
        let dir = dataDirectory.appendingPathComponent(relativeDirectory, isDirectory: true)
        let names = try FileManager.default.contentsOfDirectory(atPath: dir.path)
        return names.filter { $0.hasSuffix(".\(ext)") }.sorted().map { dir.appendingPathComponent($0) }
    }

    // MARK: - Binjai

    struct WilayahRow {
        var kode: String
        var nama: String
        var level: String
        var parent: String
        var lat: Double
        var lon: Double
    }

    /// `wilayah/binjai.csv` (kode,nama,level,parent,lat,lon; names have no commas).
    static func binjaiRows() throws -> [WilayahRow] {
        let text = String(decoding: try data("wilayah/binjai.csv"), as: UTF8.self)
        return text.split(whereSeparator: \.isNewline).dropFirst().compactMap { line in
            let f = line.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
            guard f.count == 6, let lat = Double(f[4]), let lon = Double(f[5]) else { return nil }
            return WilayahRow(kode: f[0], nama: f[1], level: f[2], parent: f[3], lat: lat, lon: lon)
        }
    }

    /// The 37 kelurahan, without boundaries.
    static func binjaiKelurahan() throws -> [AreaMatcher.Kelurahan] {
        let rows = try binjaiRows()
        let kecamatanNames = Dictionary(uniqueKeysWithValues: rows.filter { $0.level == "kecamatan" }.map { ($0.kode, $0.nama) })
        return rows.filter { $0.level == "kelurahan" }.map {
            AreaMatcher.Kelurahan(
                code: $0.kode, name: $0.nama, kecamatanCode: $0.parent,
                kecamatanName: kecamatanNames[$0.parent] ?? ""
            )
        }
    }

    static func binjaiBoundaries() throws -> [GeoBoundary] {
        try GeoJSONBoundaries.load(from: data("wilayah/binjai_boundaries.geojson"))
    }

    static func binjaiMatcher(nameMatching: AreaMatcher.NameMatching = .fallback) throws -> AreaMatcher {
        let kelurahan = AreaMatcher.attach(try binjaiBoundaries(), to: try binjaiKelurahan())
        return AreaMatcher(kelurahan: kelurahan, regionNames: ["12.75": "Kota Binjai", "12": "Sumatera Utara"], nameMatching: nameMatching)
    }

    // MARK: - xmllint

    static let xmllintPath: String? = ["/usr/bin/xmllint", "/usr/local/bin/xmllint", "/opt/homebrew/bin/xmllint"]
        .first { FileManager.default.isExecutableFile(atPath: $0) }

    static var runXmllintTests: Bool { (xmllintPath != nil && sharedDataAvailable) || isCI }

    /// Runs `xmllint --noout [--schema CAP-v1.2.xsd] file`; returns exit status and stderr.
    static func xmllint(_ xml: String, schema: Bool = true) throws -> (status: Int32, output: String) {
        guard let tool = xmllintPath else { throw Missing(description: "xmllint not installed (apt-get install libxml2-utils)") }
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("posko-cap-\(UUID().uuidString).xml")
        try Data(xml.utf8).write(to: file)
        defer { try? FileManager.default.removeItem(at: file) }
        var arguments = ["--noout"]
        if schema {
            let xsd = dataDirectory.appendingPathComponent("cap/CAP-v1.2.xsd")
            guard FileManager.default.fileExists(atPath: xsd.path) else { throw Missing(description: "missing \(xsd.path)") }
            arguments += ["--schema", xsd.path]
        }
        arguments.append(file.path)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: tool)
        process.arguments = arguments
        let pipe = Pipe()
        process.standardError = pipe
        process.standardOutput = pipe
        try process.run()
        let output = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: output, as: UTF8.self))
    }
}
