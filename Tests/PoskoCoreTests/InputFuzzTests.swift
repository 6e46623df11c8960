import Foundation
import PoskoApp
import PoskoCore
import PoskoDelivery
import PoskoTesting
import Testing

/// Seeded mutations of real inputs — playbooks, drill scenarios, CAP XML, SMS texts, Kannel
/// callbacks, JSON bodies, wilayah CSV, GeoJSON boundaries, the daemon's config — fed to their
/// parsers. Each must return a value or its error, never trap (an index out of range, an
/// overflow, a force unwrap); a rejected playbook, scenario or config must say where
/// (`file:line`). `POSKO_FUZZ_ITERATIONS` runs longer (the default, 300 per input kind, keeps
/// the suite quick; 20,000 each found nothing); the input being parsed is written to
/// `POSKO_FUZZ_LAST` first when that is set, so a trap leaves it behind.
@Suite struct InputFuzzTests {
    static let iterations = Int(ProcessInfo.processInfo.environment["POSKO_FUZZ_ITERATIONS"] ?? "") ?? 300
    static let last = ProcessInfo.processInfo.environment["POSKO_FUZZ_LAST"]

    /// Pieces a mutation inserts: structure of the formats, numbers at the limits, odd text.
    static let tokens: [String] = [
        ":", "- ", "\n", "  ", "\t", "{", "}", "[", "]", "\"", "'", ",", "#", "&a ", "*a", "!!str ", "|", ">", "---", "...",
        "<", ">", "/>", "</", "<![CDATA[", "]]>", "&amp;", "&#0;", "&#x110000;", "<?xml version=\"1.0\"?>",
        "0", "-1", "9223372036854775807", "9223372036854775808", "-9223372036854775809", "1e309", "NaN", "-0", "0x10",
        "99999999999999999999h", "1h", "0m", "-5m", "2026-02-30T25:61:61+07:00", "9999-12-31T23:59:59+14:00",
        "\u{0}", "\u{7F}", "\u{FEFF}", "é", "🌊", "\u{202E}", "\\u0000", "\\ud800", "%", "%zz", "%00", "+", "=", "&", "?",
        "semua", "tutup", "TERGANGGU", "HADIR", "TIDAK", "OK", "LAPOR", "12.75.02", "12.75.02.1001", "berngam-1",
    ]

    static func mutate(_ input: [UInt8], _ rng: inout SeededRandom) -> [UInt8] {
        var bytes = input
        for _ in 0..<(1 + Int(rng.next() % 4)) {
            let at = bytes.isEmpty ? 0 : Int(rng.next() % UInt64(bytes.count + 1))
            switch rng.next() % 7 {
            case 0 where !bytes.isEmpty:  // flip a byte
                bytes[min(at, bytes.count - 1)] ^= UInt8(truncatingIfNeeded: 1 << (rng.next() % 8))
            case 1:  // insert a token
                bytes.insert(contentsOf: Array(tokens[Int(rng.next() % UInt64(tokens.count))].utf8), at: at)
            case 2 where !bytes.isEmpty:  // delete a range
                let n = min(bytes.count - min(at, bytes.count - 1), 1 + Int(rng.next() % 40))
                bytes.removeSubrange(min(at, bytes.count - 1)..<(min(at, bytes.count - 1) + n))
            case 3 where !bytes.isEmpty:  // duplicate a range
                let from = min(at, bytes.count - 1)
                let slice = Array(bytes[from..<min(bytes.count, from + 1 + Int(rng.next() % 80))])
                bytes.insert(contentsOf: slice, at: Int(rng.next() % UInt64(bytes.count + 1)))
            case 4:  // truncate
                bytes.removeSubrange(min(at, bytes.count)...)
            case 5:  // a random byte
                bytes.insert(UInt8(truncatingIfNeeded: rng.next()), at: at)
            default:  // replace a number with another
                if let i = bytes.indices.dropFirst(at).first(where: { (48...57).contains(bytes[$0]) }) {
                    var j = i
                    while j < bytes.count, (48...57).contains(bytes[j]) { j += 1 }
                    let numbers = ["0", "-1", "99999999999999999999", "4294967296", "2147483648", "1", "00"]
                    bytes.replaceSubrange(i..<j, with: Array(numbers[Int(rng.next() % UInt64(numbers.count))].utf8))
                }
            }
        }
        return bytes
    }

    /// Runs `parse` on the seeds and `rounds` mutations of them; `parse` returns what is wrong
    /// with its outcome, if anything (the first three are recorded, with their input).
    static func fuzz(_ name: String, seeds: [String], rounds: Int = iterations, _ parse: (Data) -> String?) {
        var rng = SeededRandom(seed: UInt64(truncatingIfNeeded: name.utf8.reduce(5381) { ($0 &* 33) &+ Int($1) }))
        var problems = 0
        for i in 0..<(seeds.count + rounds) {
            var input = Array(seeds[i % seeds.count].utf8)
            if i >= seeds.count { for _ in 0..<(1 + Int(rng.next() % 3)) { input = mutate(input, &rng) } }
            if let last { _ = FileManager.default.createFile(atPath: last, contents: Data(input)) }
            if let problem = parse(Data(input)), problems < 3 {
                problems += 1
                Issue.record("\(name) #\(i): \(problem)\n--- input:\n\(String(decoding: input.prefix(400), as: UTF8.self))")
            }
        }
    }

    /// A file the parser could not read has errors, and every diagnostic points at a line of the
    /// file. (A file it could read may still have errors: the parser returns what it read for
    /// the checks across files, and the set is rejected on any error.)
    static func located(_ read: Bool, _ diagnostics: [Diagnostic], _ data: Data) -> String? {
        if !read && !diagnostics.hasErrors { return "nothing read, and no error" }
        // YAML breaks lines at CR, LF, CR LF and U+0085, U+2028, U+2029; the end of a file
        // without a final break is reported on the line after its last.
        let text = String(decoding: data, as: UTF8.self)
        let lines = 1 + text.unicodeScalars.reduce(0) { ["\r", "\n", "\u{85}", "\u{2028}", "\u{2029}"].contains($1) ? $0 + 1 : $0 }
        if let bad = diagnostics.first(where: { $0.file != "fuzz.yaml" || $0.line < 1 || $0.line > lines + 1 || $0.message.isEmpty }) {
            return "diagnostic without a place in the file: \(bad)"
        }
        return nil
    }

    static func files(_ paths: [String]) -> [String] {
        paths.compactMap { try? String(contentsOfFile: RepoPaths.path($0), encoding: .utf8) }
    }

    @Test func playbooks() throws {
        let seeds = Self.files(["Playbooks/12.75.01-binjai-utara.yaml", "Playbooks/12.75.02-binjai-kota.yaml"])
        #expect(seeds.count == 2)
        let wilayah = SamplePlaybooks.set.wilayah
        Self.fuzz("playbook", seeds: seeds) { data in
            let (playbook, diagnostics) = PlaybookParser.parse(data, file: "fuzz.yaml", wilayah: wilayah)
            return Self.located(playbook != nil, diagnostics, data)
        }
    }

    @Test func drillScenarios() throws {
        let seeds = Self.files(["Playbooks/latihan/banjir-bingai.yaml", "Playbooks/latihan/banjir-gangguan-sms.yaml",
                                "Playbooks/latihan/banjir-panjang-kader.yaml"])
        #expect(seeds.count == 3)
        let set = SamplePlaybooks.set
        Self.fuzz("scenario", seeds: seeds) { data in
            let (scenario, diagnostics) = DrillScenarioParser.parse(data, file: "fuzz.yaml", playbooks: set)
            return Self.located(scenario != nil, diagnostics, data)
        }
    }

    @Test func config() throws {
        let seeds = Self.files(["Config/posko.yaml"])
        #expect(seeds.count == 1)
        Self.fuzz("config", seeds: seeds) { data in
            do {
                _ = try ConfigLoader.parse(data, file: "fuzz.yaml")
                return nil
            } catch {
                let text = "\(error)"
                return text.contains("fuzz.yaml") ? nil : "an error that names no place: \(text)"
            }
        }
    }

    @Test func capAlerts() throws {
        // Shared reference data: skipped outside CI when missing, a failure in CI.
        guard let dir = try RepoPaths.requireShared("data/cap/examples"),
              let bmkg = try RepoPaths.requireShared("data/bmkg/CSU20260924001_alert.xml") else { return }
        let seeds = try FileManager.default.contentsOfDirectory(atPath: dir).sorted().map { dir + "/" + $0 } + [bmkg]
        Self.fuzz("cap", seeds: try seeds.map { try String(contentsOfFile: $0, encoding: .utf8) }) { _ = try? CAPParser.parse($0); return nil }
    }

    @Test func smsTexts() {
        let seeds = ["LAPOR berngam-1 SEMUA TUTUP air 1 m", "lapor setia-1 kesehatan terganggu 20", "HADIR berngam-2",
                     "TIDAK HADIR sakit", "OK 4F7K", "BANTUAN", "lapor  berngam-1  pendidikan  buka"]
        Self.fuzz("sms", seeds: seeds) { data in
            if case let .failure(error) = SMSCommand.parse(String(decoding: data, as: UTF8.self)), "\(error)".isEmpty { return "an empty error" }
            return nil
        }
    }

    @Test func kannelCallbacks() {
        let dlr = ["id=m-1-1-abc&type=1&to=%2B6281234567890&ts=1795400000&smsc=fake", "id=x&type=16&to=0812&ts=-1"]
        let inbound = ["from=%2B6281234567890&to=1234&text=LAPOR+berngam-1+SEMUA+TUTUP&smsc=fake&ts=1795400000"]
        Self.fuzz("dlr", seeds: dlr) { _ = KannelDeliveryReport.parse(query: String(decoding: $0, as: UTF8.self)); return nil }
        Self.fuzz("inbound", seeds: inbound) { _ = KannelInboundMessage.parse(query: String(decoding: $0, as: UTF8.self)); return nil }
    }

    @Test func jsonBodies() {
        let seeds = [#"{"post":"berngam-1","bidang":"kesehatan","status":"terganggu","capacity":7,"note":"a\"b\u00e9"}"#,
                     #"{"hazard":"banjir","areas":["12.75.02"],"status":"siaga_darurat"}"#, #"{"a":null,"b":-0,"c":""}"#]
        Self.fuzz("json", seeds: seeds) { data in
            _ = data.withUnsafeBytes { FlatJSON.object($0) }.flatMap(ReportRequest.init(flat:))
            return nil
        }
    }

    @Test func wilayahCSV() {
        let seeds = ["kode,nama\n12.75,KOTA BINJAI\n12.75.01,Binjai Utara\n12.75.01.1001,Cengkeh Turi\n"]
        Self.fuzz("csv", seeds: seeds) { _ = try? WilayahTable.parseCSV(String(decoding: $0, as: UTF8.self)); return nil }
    }

    @Test func boundaries() throws {
        guard let path = try RepoPaths.requireShared("data/wilayah/binjai_boundaries.geojson") else { return }
        let seed = try String(contentsOfFile: path, encoding: .utf8)
        // Large (a few hundred kB): fewer rounds, each a whole parse.
        Self.fuzz("geojson", seeds: [seed], rounds: max(10, Self.iterations / 20)) { _ = try? GeoJSONBoundaries.load(from: $0); return nil }
    }

    @Test func smallFields() {
        Self.fuzz("duration", seeds: ["6h", "30m", "1h30m", "2d"]) { _ = DurationText.seconds(String(decoding: $0, as: UTF8.self)); return nil }
        Self.fuzz("phone", seeds: ["+6281234567890", "081234567890"]) { _ = PhoneNumber.normalize(String(decoding: $0, as: UTF8.self)); return nil }
        Self.fuzz("capdate", seeds: ["2026-09-24T10:00:00+07:00"]) { _ = try? CAPDateTime.parse(String(decoding: $0, as: UTF8.self)); return nil }
        Self.fuzz("polygon", seeds: ["3.6,98.4 3.7,98.5 3.6,98.6 3.6,98.4"]) {
            _ = try? CAPGeometryText.parsePolygon(String(decoding: $0, as: UTF8.self)); return nil
        }
        Self.fuzz("circle", seeds: ["3.6,98.4 10"]) { _ = try? CAPGeometryText.parseCircle(String(decoding: $0, as: UTF8.self)); return nil }
    }
}
