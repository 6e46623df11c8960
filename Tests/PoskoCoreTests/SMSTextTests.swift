import Foundation
import PoskoCore
import Testing

@Suite("SMS text: encoding, segments, splitting")
struct SMSTextTests {
    struct Case: Sendable, CustomTestStringConvertible {
        var name: String
        var text: String
        var encoding: SMSEncoding
        var units: Int
        var segments: Int
        var testDescription: String { name }
    }

    static let cases: [Case] = [
        Case(name: "empty", text: "", encoding: .gsm7, units: 0, segments: 1),
        Case(name: "plain Indonesian", text: "Banjir di Binjai Utara. Pos melati tutup.", encoding: .gsm7, units: 41, segments: 1),
        Case(name: "160 GSM is one SMS", text: String(repeating: "a", count: 160), encoding: .gsm7, units: 160, segments: 1),
        Case(name: "161 GSM is two", text: String(repeating: "a", count: 161), encoding: .gsm7, units: 161, segments: 2),
        Case(name: "306 GSM is two", text: String(repeating: "a", count: 306), encoding: .gsm7, units: 306, segments: 2),
        Case(name: "307 GSM is three", text: String(repeating: "a", count: 307), encoding: .gsm7, units: 307, segments: 3),
        Case(name: "extension chars count two", text: "{}[]~^|\\€", encoding: .gsm7, units: 18, segments: 1),
        Case(name: "80 euro signs = 160 septets", text: String(repeating: "€", count: 80), encoding: .gsm7, units: 160, segments: 1),
        Case(name: "81 euro signs = 2 parts", text: String(repeating: "€", count: 81), encoding: .gsm7, units: 162, segments: 2),
        Case(name: "escape never split: 152 a + € + a", text: String(repeating: "a", count: 152) + "€" + "a", encoding: .gsm7, units: 155, segments: 1),
        Case(name: "escape pushed to next part", text: String(repeating: "a", count: 152) + "€" + String(repeating: "a", count: 10),
             encoding: .gsm7, units: 164, segments: 2),
        Case(name: "GSM accents and greek", text: "Grüße é è ñ ΔΦΓΛΩΠΨΣΘΞ ¡¿ £¥§", encoding: .gsm7, units: 29, segments: 1),
        Case(name: "decomposed é is GSM after NFC", text: "e\u{301}", encoding: .gsm7, units: 1, segments: 1),
        Case(name: "newline and CR are basic", text: "a\r\nb", encoding: .gsm7, units: 4, segments: 1),
        Case(name: "backtick is not GSM", text: "`", encoding: .ucs2, units: 1, segments: 1),
        Case(name: "em dash forces UCS-2", text: "Hujan — waspada", encoding: .ucs2, units: 15, segments: 1),
        Case(name: "70 UCS-2 is one", text: String(repeating: "я", count: 70), encoding: .ucs2, units: 70, segments: 1),
        Case(name: "71 UCS-2 is two", text: String(repeating: "я", count: 71), encoding: .ucs2, units: 71, segments: 2),
        Case(name: "134 UCS-2 is two", text: String(repeating: "я", count: 134), encoding: .ucs2, units: 134, segments: 2),
        Case(name: "135 UCS-2 is three", text: String(repeating: "я", count: 135), encoding: .ucs2, units: 135, segments: 3),
        Case(name: "emoji is two units", text: "Hujan 🌧", encoding: .ucs2, units: 8, segments: 1),
        Case(name: "surrogate pair never split", text: String(repeating: "я", count: 66) + "🌧" + String(repeating: "я", count: 3),
             encoding: .ucs2, units: 71, segments: 2),
        Case(name: "surrogate pushed to next part", text: String(repeating: "я", count: 66) + "🌧" + String(repeating: "я", count: 10),
             encoding: .ucs2, units: 78, segments: 2),
    ]

    @Test(arguments: cases)
    func measures(_ c: Case) {
        let sms = SMSText(c.text)
        #expect(sms.encoding == c.encoding)
        #expect(sms.unitCount == c.units)
        #expect(sms.segmentCount == c.segments)
    }

    @Test func surrogatePairAtBoundaryTakesExtraPart() {
        // 66 + 2 (pair) = 68 > 67: the pair moves to part 2; 67 + 1 more would fit naively in 2.
        let text = String(repeating: "я", count: 66) + "🌧" + String(repeating: "я", count: 66)
        let sms = SMSText(text)
        #expect(sms.unitCount == 134)
        #expect(sms.segmentCount == 3) // a naive ceil(134/67) would say 2 and lose a unit
    }

    @Test(arguments: [
        ("Hujan “lebat” — waspada…", "Hujan \"lebat\" - waspada..."),
        ("a\u{00A0}b\u{3000}c", "a b c"),
        ("zero\u{200B}width", "zerowidth"),
    ])
    func replacesTypography(_ input: String, _ expected: String) {
        let replaced = SMSText.replacingCommonNonGSM(input)
        #expect(replaced == expected)
        #expect(SMSText.isGSM7(replaced))
    }

    // MARK: - Splitting

    static let longIndonesian = """
        PERINGATAN BANJIR Kel. Sumber Mulyorejo, Binjai Timur: air naik 40 cm. Pos melati-1001-01 TUTUP, \
        layanan kesehatan dipindah ke pos mawar-1001-02 (Jl. Sudirman 12). Kader kesehatan harap hadir \
        pukul 14.00. Balas HADIR mawar-1001-02 atau TIDAK HADIR. Kode konfirmasi: A7K2. Tetap waspada dan \
        ikuti arahan petugas BPBD Kota Binjai. Jangan menyeberangi arus air.
        """

    @Test(arguments: [1, 2, 3, 5])
    func splitPartsFitAndKeepWords(maxParts: Int) {
        let result = SMSText.split(Self.longIndonesian, maxParts: maxParts)
        #expect(result.parts.count <= maxParts)
        let words = Set(Self.longIndonesian.split(separator: " ").map(String.init))
        for part in result.parts {
            #expect(SMSText(part).segmentCount == 1, "part too long: \(part)")
            #expect(part == part.trimmingCharacters(in: .whitespaces))
            for word in part.split(separator: " ").map(String.init) where word != "..." {
                let bare = word.hasSuffix("...") ? String(word.dropLast(3)) : word
                #expect(words.contains(word) || words.contains { $0.hasPrefix(bare) }, "word was broken: \(word)")
            }
        }
        if result.truncated {
            #expect(result.parts.count == maxParts)
            #expect(result.parts.last?.hasSuffix("...") == true)
        } else {
            #expect(result.parts.joined(separator: " ") == Self.longIndonesian)
        }
    }

    @Test func splitWithoutTruncationKeepsAllText() {
        let result = SMSText.split(Self.longIndonesian, maxParts: 10)
        #expect(!result.truncated)
        #expect(result.parts.count == 3)
        #expect(result.parts.joined(separator: " ") == Self.longIndonesian)
    }

    @Test func numberedParts() {
        let result = SMSText.split(Self.longIndonesian, maxParts: 10, numbered: true)
        #expect(result.parts.count >= 3)
        for (index, part) in result.parts.enumerated() {
            #expect(part.hasPrefix("(\(index + 1)/\(result.parts.count)) "))
            #expect(SMSText(part).segmentCount == 1)
        }
    }

    @Test func shortTextIsOnePartUnnumbered() {
        let result = SMSText.split("  Pos melati TUTUP  ", maxParts: 3, numbered: true)
        #expect(result == SMSSplit(parts: ["Pos melati TUTUP"], truncated: false))
    }

    @Test func multiSegmentParts() {
        let text = String(repeating: "kata ", count: 200) // 1000 chars
        let result = SMSText.split(text, maxParts: 2, segmentsPerPart: 3)
        #expect(result.parts.count == 2)
        #expect(result.truncated)
        for part in result.parts { #expect(SMSText(part).segmentCount <= 3) }
    }

    @Test func hugeWordIsBrokenBetweenCharacters() {
        let url = "https://posko.example/" + String(repeating: "x", count: 400)
        let result = SMSText.split(url, maxParts: 5)
        #expect(!result.truncated)
        #expect(result.parts.joined() == url)
        for part in result.parts { #expect(SMSText(part).segmentCount == 1) }
    }

    @Test func emojiGraphemesAreNeverBroken() {
        let text = String(repeating: "👩‍👩‍👧‍👦", count: 40)
        let result = SMSText.split(text, maxParts: 20)
        #expect(result.parts.joined() == text)
        for part in result.parts {
            #expect(SMSText(part).segmentCount == 1)
            #expect(part.count * 11 == part.utf16.count) // whole family emoji only
        }
    }

    @Test func truncateToKannelMaxMessages() {
        let text = String(repeating: "Banjir ", count: 200) // 1400 chars
        let (cut, truncated) = SMSText.truncate(text, maxSegments: 5)
        #expect(truncated)
        #expect(SMSText(cut).segmentCount == 5)
        #expect(cut.hasSuffix("Banjir..."))
        let short = SMSText.truncate("pendek", maxSegments: 1)
        #expect(short.text == "pendek")
        #expect(!short.truncated)
    }

    @Test(arguments: [0, -3])
    func absurdLimitsDoNotTrap(maxParts: Int) {
        let result = SMSText.split(Self.longIndonesian, maxParts: maxParts, segmentsPerPart: maxParts)
        #expect(result.parts.count == 1)
        #expect(result.truncated)
    }
}
