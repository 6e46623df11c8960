import Foundation
import PoskoTesting
import Testing
@testable import PoskoCore

/// Renders report.html in headless Chromium: a screenshot proves it draws, `--dump-dom` proves a
/// real browser parses both inline SVGs with their children. Skipped outside CI when Chromium is
/// not installed (Debian package `chromium`); an error in CI.
@Suite("Drill report in headless Chromium", .serialized)
struct DrillReportChromiumTests {
    @Test(.timeLimit(.minutes(3)))
    func rendersInHeadlessChromium() async throws {
        guard let chromium = try RepoPaths.requireTool("chromium") else { return }
        let dir = try TempDir("drill-report")
        defer { dir.remove() }
        let html = DrillReport.html(DrillReportFixture.result(), boundaries: try drillReportBoundaries())
        let page = URL(fileURLWithPath: try dir.write("report.html", html))
        let png = dir.url.appendingPathComponent("report.png")
        let common = [
            "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run",
            "--hide-scrollbars", "--log-level=3", "--user-data-dir=\(dir.path)/profile",
        ]

        let shot = try await runChromium(chromium, common + ["--screenshot=\(png.path)", "--window-size=1280,2000", page.absoluteString],
                                         output: dir.url.appendingPathComponent("screenshot.log"))
        let image = try #require(FileManager.default.contents(atPath: png.path), "no screenshot; chromium said: \(shot)")
        #expect(image.count > 20_000, "screenshot is only \(image.count) bytes")
        #expect(image.starts(with: [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]))
        if image.count >= 24 {
            let be32 = { (i: Int) in image[i..<(i + 4)].reduce(0) { $0 << 8 | Int($1) } }
            #expect(be32(16) == 1280 && be32(20) == 2000, "PNG is \(be32(16))×\(be32(20))")
        }

        // stdout (the DOM) and stderr share one file; log lines around it do not matter here.
        let dom = try await runChromium(chromium, common + ["--dump-dom", page.absoluteString],
                                        output: dir.url.appendingPathComponent("dom.html"))
        let timeline = try #require(drillReportSVG(id: "coverage-timeline", in: dom), "no svg#coverage-timeline in the DOM: \(dom.prefix(2000))")
        let map = try #require(drillReportSVG(id: "coverage-map", in: dom), "no svg#coverage-map in the DOM")
        let lines = try drillReportElements("polyline", in: timeline).filter { $0["class"] == "kecamatan" }
        #expect(lines.count == 5)
        #expect(lines.allSatisfy { !($0["points"] ?? "").isEmpty })
        #expect(try drillReportElements("path", in: map).filter { $0["data-kode"] != nil }.count == 37)
        #expect(map.contains("<title>Berngam (12.75.02.1001): cakupan terendah 42%, tergeser dari pos asal hingga 80%</title>"))
        #expect(try drillReportElements("path", in: timeline).contains { $0["class"] == "displaced" })
        // The browser kept the escaped text as text (no element was injected by it).
        #expect(dom.contains("Listrik padam di Binjai Timur &lt;2 jam&gt; &amp; genset"))
    }

    /// Runs Chromium in its own process group with stdout and stderr to `output` (a file, so a
    /// large DOM cannot block on a full pipe); after `timeout` the whole group is killed. Returns
    /// what it wrote.
    private func runChromium(_ path: String, _ arguments: [String], output: URL, timeout: Duration = .seconds(90)) async throws -> String {
        let child = try ChildProcess.spawn(executable: path, arguments: arguments, outputPath: output.path)
        let clock = ContinuousClock()
        let deadline = clock.now.advanced(by: timeout)
        while child.isRunning, clock.now < deadline {
            try await Task.sleep(for: .milliseconds(100))
        }
        if child.isRunning {
            await child.terminate()
            Issue.record("chromium \(arguments.joined(separator: " ")) did not finish in \(timeout)")
        }
        return child.output()
    }
}
