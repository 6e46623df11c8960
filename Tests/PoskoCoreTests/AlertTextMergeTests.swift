import PoskoCore
import Testing

/// How a groupable alert merges into the one waiting for the same recipient.
@Suite struct AlertTextMergeTests {
    static func line(_ n: Int, _ word: String = "TUTUP") -> String {
        "[POSKO] Posyandu Nomor \(n) (contoh) (pos-\(n), Kel. Berngam) \(word): semua layanan."
    }

    @Test func aLaterLineAboutThePostReplacesTheEarlier() {
        var text = Self.line(1)
        text = AlertText.merged(text, Self.line(2))
        text = AlertText.merged(text, Self.line(1, "BUKA kembali"))
        #expect(text == "[POSKO] Posyandu Nomor 2 (contoh) (pos-2, Kel. Berngam) TUTUP: semua layanan.\nPosyandu Nomor 1 (contoh) (pos-1, Kel. Berngam) BUKA kembali: semua layanan.")
    }

    /// Fifteen reports within a window: three SMS at most, the newest kept, the oldest counted.
    @Test func theOldestLinesGiveWayToTheNewest() {
        var text = Self.line(1)
        for n in 2...15 { text = AlertText.merged(text, Self.line(n)) }
        #expect(text.count <= 459)
        let lines = text.split(separator: "\n").map(String.init)
        #expect(lines.last == "Posyandu Nomor 15 (contoh) (pos-15, Kel. Berngam) TUTUP: semua layanan.")
        let shown = lines.count - 1
        #expect(lines.first == "[POSKO] (+\(15 - shown) pesan sebelumnya)")
        #expect(lines.dropFirst().allSatisfy { $0.hasPrefix("Posyandu Nomor ") })
        // The count goes on across merges.
        let more = AlertText.merged(text, Self.line(16))
        #expect(more.hasPrefix("[POSKO] (+\(16 - shown) pesan sebelumnya)\n"))
    }

    @Test func anExerciseKeepsItsMarkOnce() {
        let text = AlertText.merged("LATIHAN " + Self.line(1), "LATIHAN " + Self.line(2))
        #expect(text.hasPrefix("LATIHAN [POSKO] Posyandu Nomor 1"))
        #expect(text.components(separatedBy: "LATIHAN").count == 2)
        #expect(text.components(separatedBy: "[POSKO]").count == 2)
    }
}
