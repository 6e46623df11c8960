import Testing
@testable import PoskoCore

/// Plan explanations are built in a stack buffer (`PlanLine`); they must read exactly as the
/// same text written with interpolation, for any names and numbers.
@Suite struct PlanLineTests {
    @Test(arguments: [0, 7, 10, 99, 100, 12_345, -1, -40, Int.max, Int.min])
    func numbersReadAsDecimal(_ n: Int) {
        #expect(PlanLine.build { $0.add(n) } == "\(n)")
    }

    @Test func kilometresUseTheDecimalCommaRoundedTo100Metres() {
        #expect(PlanText.km(0) == "0,0 km")
        #expect(PlanText.km(49) == "0,0 km")
        #expect(PlanText.km(50) == "0,1 km")
        #expect(PlanText.km(1_249) == "1,2 km")
        #expect(PlanText.km(1_250) == "1,3 km")
        #expect(PlanText.km(-300) == "0,0 km")
        #expect(PlanText.km(12_960) == "13,0 km")
    }

    @Test(arguments: ["Posyandu Melati (contoh)", "", "Pos Ümmü 🌧️ Sei Bingai", String(repeating: "Posyandu Anggrek Panjang ", count: 40)])
    func assignmentTextMatchesInterpolation(_ name: String) {
        let source = PlanText.source(name, status: PlanText.tutup, hazards: PlanText.hazardMask([.banjir]), capacity: 0)
        #expect(source == (name.isEmpty ? " tutup (banjir)" : "\(name) tutup (banjir)"))
        for (rank, fallback) in [(0, "bukan cadangan"), (2, "cadangan #2")] {
            let text = PlanText.assignment(source: source, target: name, rank: rank, metres: 1_234, spare: 40)
            #expect(text == "\(source); ke \(name), \(fallback), 1,2 km, sisa kapasitas 40")
        }
        let unmet = PlanText.unmet(name, status: PlanText.tutup, hazards: PlanText.hazardMask([.banjir]), capacity: 0,
                                   "tidak ada pos berjalan dalam 3 km")
        #expect(unmet == "\(source); tidak ada pos berjalan dalam 3 km")
    }

    @Test func hazardListsJoinWithCommasAndDan() {
        #expect(PlanText.hazards(0) == "")
        #expect(PlanText.hazards(PlanText.hazardMask([.tanahLongsor])) == "tanah longsor")
        #expect(PlanText.hazards(PlanText.hazardMask([.tanahLongsor, .banjir])) == "banjir dan tanah longsor")
        #expect(PlanText.hazards(PlanText.hazardMask([.erupsi, .banjir, .gempaBumi])) == "banjir, gempa bumi dan erupsi")
        let all = Hazard.allCases.map(\.label)
        #expect(PlanText.hazards(PlanText.hazardMask(Hazard.allCases)) == all.dropLast().joined(separator: ", ") + " dan " + all.last!)
    }

    @Test func sourcesSayWhyAPostSendsItsDemandAway() {
        let two = PlanText.hazardMask([.banjir, .tanahLongsor])
        #expect(PlanText.source("Pos A", status: PlanText.tutup, hazards: 0, capacity: 0) == "Pos A tutup")
        #expect(PlanText.source("Pos A", status: PlanText.tutup, hazards: two, capacity: 0) == "Pos A tutup (banjir dan tanah longsor)")
        #expect(PlanText.source("Pos A", status: PlanText.tidakDiketahui, hazards: 0, capacity: 0) == "Pos A tidak melapor")
        #expect(PlanText.source("Pos A", status: PlanText.tidakDiketahui, hazards: two, capacity: 0)
                == "Pos A tidak melapor (banjir dan tanah longsor)")
        #expect(PlanText.source("Pos A", status: PlanText.terganggu, hazards: two, capacity: 12) == "Pos A terganggu (kapasitas tinggal 12)")
        #expect(PlanText.source("Pos A", status: PlanText.berjalan, hazards: two, capacity: 12) == "Pos A")
    }

    @Test func boundsAndFullTargetsReadAsBefore() {
        #expect(PlanText.bound(3) == "3 km")
        #expect(PlanText.bound(2.5) == "2,5 km")
        #expect(PlanText.bound(2.96) == "3 km")
        #expect(PlanText.bound(12.04) == "12 km")
        #expect(PlanText.full(targets: 0, bound: 3) == "kapasitas pos sekitar penuh")
        #expect(PlanText.full(targets: 4, bound: 2.5) == "kapasitas pos sekitar penuh (4 pos dalam 2,5 km)")
    }

    @Test func aLineLongerThanTheBufferCarriesOn() {
        let long = String(repeating: "abcdefghij", count: 100)  // 1,000 bytes, more than the 384-byte buffer
        let text = PlanLine.build { line in
            line.add("awal ")
            line.add(long)
            line.add(" ")
            line.add(42)
            line.add(long)
            line.addKm(2_500)
        }
        #expect(text == "awal \(long) 42\(long)2,5 km")
    }
}
