import PoskoCore
import Testing

@Suite("SMS command grammar")
struct SMSCommandTests {
    struct Valid: Sendable, CustomTestStringConvertible {
        var text: String
        var expected: SMSCommand
        var testDescription: String { text.debugDescription }
    }

    static let valid: [Valid] = [
        Valid(text: "LAPOR melati-1001-01 kesehatan TERGANGGU 40 air masuk",
              expected: .lapor(.init(pos: "melati-1001-01", scope: .bidang(.kesehatan), status: .terganggu,
                                     remainingCapacity: 40, note: "air masuk"))),
        Valid(text: "lapor Melati-1001-01 KESEHATAN terganggu 40% air masuk",
              expected: .lapor(.init(pos: "melati-1001-01", scope: .bidang(.kesehatan), status: .terganggu,
                                     remainingCapacity: 40, capacityIsPercent: true, note: "air masuk"))),
        Valid(text: "LAPOR melati-1001-01 SEMUA TUTUP",
              expected: .lapor(.init(pos: "melati-1001-01", scope: .semua, status: .tutup))),
        Valid(text: "  \n LAPOR   mawar-02\tpendidikan\n\nBUKA  \n",
              expected: .lapor(.init(pos: "mawar-02", scope: .bidang(.pendidikan), status: .buka))),
        Valid(text: "LAPOR pos1 pekerjaan umum TUTUP jembatan putus",
              expected: .lapor(.init(pos: "pos1", scope: .bidang(.pekerjaanUmum), status: .tutup, note: "jembatan putus"))),
        Valid(text: "LAPOR pos1 pekerjaan-umum TUTUP",
              expected: .lapor(.init(pos: "pos1", scope: .bidang(.pekerjaanUmum), status: .tutup))),
        Valid(text: "LAPOR pos1 PEKERJAAN_UMUM tutup",
              expected: .lapor(.init(pos: "pos1", scope: .bidang(.pekerjaanUmum), status: .tutup))),
        Valid(text: "LAPOR pos1 Perumahan Rakyat terganggu",
              expected: .lapor(.init(pos: "pos1", scope: .bidang(.perumahanRakyat), status: .terganggu))),
        Valid(text: "LAPOR pos1 perumahanrakyat buka",
              expected: .lapor(.init(pos: "pos1", scope: .bidang(.perumahanRakyat), status: .buka))),
        Valid(text: "LAPOR pos1 trantibumlinmas BUKA aman",
              expected: .lapor(.init(pos: "pos1", scope: .bidang(.trantibumlinmas), status: .buka, note: "aman"))),
        Valid(text: "LAPOR pos1 sosial TERGANGGU dapur umum kurang beras",
              expected: .lapor(.init(pos: "pos1", scope: .bidang(.sosial), status: .terganggu, note: "dapur umum kurang beras"))),
        Valid(text: "LAPOR pos1 kesehatan TUTUP 40 orang mengungsi",
              expected: .lapor(.init(pos: "pos1", scope: .bidang(.kesehatan), status: .tutup, note: "40 orang mengungsi"))),
        Valid(text: "LAPOR pos1 kesehatan TERGANGGU air 🌧 masuk 😭",
              expected: .lapor(.init(pos: "pos1", scope: .bidang(.kesehatan), status: .terganggu, note: "air 🌧 masuk 😭"))),
        // Non-breaking, full-width and ideographic spaces, full-width letters.
        Valid(text: "LAPOR\u{00A0}pos1\u{3000}kesehatan\u{2007}BUKA",
              expected: .lapor(.init(pos: "pos1", scope: .bidang(.kesehatan), status: .buka))),
        Valid(text: "ＬＡＰＯＲ　ｐｏｓ１　ＳＥＭＵＡ　ＴＵＴＵＰ",
              expected: .lapor(.init(pos: "pos1", scope: .semua, status: .tutup))),
        Valid(text: "\u{FEFF}HADIR\u{200B}mawar-1001-02", expected: .hadir(pos: "mawar-1001-02", note: nil)),
        Valid(text: "HADIR mawar-1001-02", expected: .hadir(pos: "mawar-1001-02", note: nil)),
        Valid(text: "hadir MAWAR-1001-02 sudah di lokasi", expected: .hadir(pos: "mawar-1001-02", note: "sudah di lokasi")),
        Valid(text: "TIDAK HADIR", expected: .tidakHadir(note: nil)),
        Valid(text: "tidak   hadir\nsakit demam", expected: .tidakHadir(note: "sakit demam")),
        Valid(text: "Tidak-Hadir", expected: .tidakHadir(note: nil)),
        Valid(text: "OK A7K2", expected: .ok(kode: "A7K2")),
        Valid(text: " ok a7k2 ", expected: .ok(kode: "A7K2")),
        Valid(text: "Ok 4821 siap", expected: .ok(kode: "4821")),
        // Punctuation a sentence puts after a word, and the words cadres write instead.
        Valid(text: "lapor pahlawan-1 kesehatan buka.", expected: .lapor(.init(pos: "pahlawan-1", scope: .bidang(.kesehatan), status: .buka))),
        Valid(text: "Lapor: pahlawan-1 semua tutup, banjir", expected: .lapor(.init(pos: "pahlawan-1", scope: .semua, status: .tutup, note: "banjir"))),
        Valid(text: "LAPOR pahlawan-1, kesehatan, TERGANGGU 20%, air masuk.",
              expected: .lapor(.init(pos: "pahlawan-1", scope: .bidang(.kesehatan), status: .terganggu, remainingCapacity: 20,
                                     capacityIsPercent: true, note: "air masuk."))),
        Valid(text: "LAPOR pos1 kesehatan ditutup", expected: .lapor(.init(pos: "pos1", scope: .bidang(.kesehatan), status: .tutup))),
        Valid(text: "LAPOR pos1 semua normal", expected: .lapor(.init(pos: "pos1", scope: .semua, status: .buka))),
        Valid(text: "HADIR pahlawan-3.", expected: .hadir(pos: "pahlawan-3", note: nil)),
        Valid(text: "tdk hadir, rumah terendam", expected: .tidakHadir(note: "rumah terendam")),
        Valid(text: "Ok, 4YRV", expected: .ok(kode: "4YRV")),
        Valid(text: "OK 4YRV.", expected: .ok(kode: "4YRV")),
        Valid(text: "OK4YRV", expected: .ok(kode: "4YRV")),
        Valid(text: "ok4yrv!", expected: .ok(kode: "4YRV")),
        // The short names of the fields.
        Valid(text: "lapor pos1 kes tutup", expected: .lapor(.init(pos: "pos1", scope: .bidang(.kesehatan), status: .tutup))),
        Valid(text: "LAPOR pos1 PU terganggu 10", expected: .lapor(.init(pos: "pos1", scope: .bidang(.pekerjaanUmum), status: .terganggu,
                                                                        remainingCapacity: 10))),
        Valid(text: "lapor pos1 linmas buka", expected: .lapor(.init(pos: "pos1", scope: .bidang(.trantibumlinmas), status: .buka))),
        Valid(text: "lapor pos1 pend. tutup", expected: .lapor(.init(pos: "pos1", scope: .bidang(.pendidikan), status: .tutup))),
        Valid(text: "lapor pos1 perumahan tutup", expected: .lapor(.init(pos: "pos1", scope: .bidang(.perumahanRakyat), status: .tutup))),
        Valid(text: "lapor pos1 sos tutup dapur", expected: .lapor(.init(pos: "pos1", scope: .bidang(.sosial), status: .tutup, note: "dapur"))),
        // A post id typed with spaces for its hyphens.
        Valid(text: "LAPOR pahlawan 1 kes tutup", expected: .lapor(.init(pos: "pahlawan-1", scope: .bidang(.kesehatan), status: .tutup))),
        Valid(text: "lapor cengkeh turi 3 semua buka", expected: .lapor(.init(pos: "cengkeh-turi-3", scope: .semua, status: .buka))),
    ]

    @Test(arguments: valid)
    func parsesValidCommands(_ c: Valid) {
        #expect(SMSCommand.parse(c.text) == .success(c.expected))
    }

    struct Invalid: Sendable, CustomTestStringConvertible {
        var text: String
        var reason: SMSParseError.Reason
        var command: SMSCommand.Keyword?
        var helpContains: String
        var testDescription: String { text.debugDescription }
    }

    static let invalid: [Invalid] = [
        Invalid(text: "", reason: .empty, command: nil, helpContains: "Perintah tidak dikenal"),
        Invalid(text: " \n\t\u{00A0} ", reason: .empty, command: nil, helpContains: "Perintah tidak dikenal"),
        Invalid(text: "halo pak", reason: .unknownCommand("halo"), command: nil, helpContains: "LAPOR <pos>"),
        Invalid(text: "🌧🌧🌧", reason: .unknownCommand("🌧🌧🌧"), command: nil, helpContains: "HADIR <pos>"),
        Invalid(text: "TIDAK datang", reason: .unknownCommand("TIDAK"), command: nil, helpContains: "TIDAK HADIR"),
        Invalid(text: "LAPOR", reason: .missingPos, command: .lapor, helpContains: "Format: LAPOR"),
        Invalid(text: "LAPOR pos😀 kesehatan BUKA", reason: .invalidPos("pos😀"), command: .lapor, helpContains: "Format: LAPOR"),
        Invalid(text: "LAPOR pos1", reason: .missingBidang, command: .lapor, helpContains: "pekerjaan_umum"),
        Invalid(text: "LAPOR pos1 air TUTUP", reason: .unknownBidang("air"), command: .lapor, helpContains: "SEMUA"),
        Invalid(text: "LAPOR pos1 pekerjaan TUTUP", reason: .unknownBidang("pekerjaan"), command: .lapor, helpContains: "SEMUA"),
        Invalid(text: "LAPOR pos1 kesehatan", reason: .missingStatus, command: .lapor, helpContains: "BUKA, TERGANGGU"),
        Invalid(text: "LAPOR pos1 kesehatan RUSAK parah", reason: .unknownStatus("RUSAK"), command: .lapor, helpContains: "TUTUP"),
        // "jalan putus" (road cut) after pu is no status: "jalan" is not taken for BUKA.
        Invalid(text: "LAPOR pos1 pu jalan putus", reason: .unknownStatus("jalan"), command: .lapor, helpContains: "TUTUP"),
        Invalid(text: "HADIR", reason: .missingPos, command: .hadir, helpContains: "Format: HADIR <pos>"),
        Invalid(text: "HADIR ???", reason: .invalidPos("???"), command: .hadir, helpContains: "Format: HADIR <pos>"),
        // Post ids are letters, digits, '-' and '_', as in the playbooks.
        Invalid(text: "LAPOR pos.1 kesehatan BUKA", reason: .invalidPos("pos.1"), command: .lapor, helpContains: "ID posyandu tidak valid"),
        Invalid(text: "OKE siap", reason: .unknownCommand("OKE"), command: nil, helpContains: "OK <kode>"),
        Invalid(text: "OK", reason: .missingKode, command: .ok, helpContains: "Format: OK <kode>"),
        Invalid(text: "OK A7-K2", reason: .invalidKode("A7-K2"), command: .ok, helpContains: "Format: OK <kode>"),
        Invalid(text: "OK ÄÖÜ", reason: .invalidKode("ÄÖÜ"), command: .ok, helpContains: "Format: OK <kode>"),
    ]

    @Test(arguments: invalid)
    func rejectsWithIndonesianHelp(_ c: Invalid) throws {
        let result = SMSCommand.parse(c.text)
        guard case .failure(let error) = result else {
            Issue.record("expected failure, got \(result)")
            return
        }
        #expect(error.reason == c.reason)
        #expect(error.command == c.command)
        #expect(error.help.contains(c.helpContains))
        // Every reply fits into a single GSM-7 SMS.
        let reply = SMSText(error.help)
        #expect(reply.encoding == .gsm7)
        #expect(reply.segmentCount == 1)
    }

    @Test func helpTextsAreSingleGSMSegments() {
        for help in [SMSHelp.lapor, SMSHelp.hadir, SMSHelp.tidakHadir, SMSHelp.ok, SMSHelp.general, SMSHelp.bidang, SMSHelp.status] {
            let sms = SMSText(help)
            #expect(sms.encoding == .gsm7, "\(help)")
            #expect(sms.segmentCount == 1, "\(help) is \(sms.unitCount) septets")
        }
    }

    @Test func longUserTokensAreClippedInErrors() {
        let junk = String(repeating: "x", count: 500)
        guard case .failure(let error) = SMSCommand.parse(junk) else {
            Issue.record("expected failure")
            return
        }
        #expect(error.description.count < 80)
    }

    @Test(arguments: [
        String(repeating: "🌧", count: 2000),
        String(repeating: "LAPOR ", count: 2000),
        "\u{0000}\u{0007}LAPOR\u{0001} pos1 SEMUA BUKA",
        "LAPOR pos1 SEMUA BUKA \u{202E}kebalik",
        String(decoding: [0xED, 0xA0, 0x80, 0x41] as [UInt8], as: UTF8.self),
        "👩‍👩‍👧‍👦 LAPOR",
        "LAPOR " + String(repeating: "a", count: 65) + " SEMUA BUKA",
        "LAPOR pos1 kesehatan TERGANGGU 99999999999999999999",
    ])
    func neverTraps(_ text: String) {
        switch SMSCommand.parse(text) {
        case .success(let command): #expect(command.keyword.rawValue.isEmpty == false)
        case .failure(let error): #expect(!error.help.isEmpty)
        }
    }

    @Test func controlCharactersAreIgnored() {
        #expect(SMSCommand.parse("\u{0000}\u{0007}LAPOR\u{0001} pos1 SEMUA BUKA")
            == .success(.lapor(.init(pos: "pos1", scope: .semua, status: .buka))))
    }

    @Test func hugeCapacityBecomesPartOfTheNote() {
        #expect(SMSCommand.parse("LAPOR pos1 kesehatan TERGANGGU 99999999999999999999")
            == .success(.lapor(.init(pos: "pos1", scope: .bidang(.kesehatan), status: .terganggu,
                                     note: "99999999999999999999"))))
    }
}
