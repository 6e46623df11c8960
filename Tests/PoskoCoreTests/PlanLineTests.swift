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
        #expect(PlanText.unmet(source: source, "tidak ada pos berjalan dalam 3 km") == "\(source); tidak ada pos berjalan dalam 3 km")
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
