import Foundation
import PoskoCore
@testable import PoskoStorage
import Testing

/// Stored plan chunks are written without JSONEncoder; JSONDecoder must read back exactly
/// the lines that were written, whatever their texts and numbers hold.
@Suite struct PlanLineJSONTests {
    static let texts = ["", "Posyandu \"Melati\" tutup", "C:\\pos\\1", "baris\nbaru\ttab\r", "\u{1}\u{1f}\u{7f}", "Jalan → pos ✓ 🌊", "a/b"]
    static let numbers: [Double] = [0, -0.0, 1e15, 1e16, 1.2, 2, 0.1 + 0.2, 1e-7, 12_345.678_9, 4.999_999_999_999_999, Double.leastNonzeroMagnitude]

    func roundTrip<E: PlanLineJSON & Decodable & Equatable>(_ lines: [E]) throws {
        let text = try E.json(lines)
        let back = try JSONDecoder().decode([E].self, from: Data(text.utf8))
        #expect(back == lines, "\(text)")
        // The same document JSONEncoder (sorted keys) describes.
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        let viaEncoder = try JSONSerialization.jsonObject(with: encoder.encode(lines)) as? NSArray
        let direct = try JSONSerialization.jsonObject(with: Data(text.utf8)) as? NSArray
        #expect(viaEncoder == direct)
        #expect(text == String(decoding: try encoder.encode(lines), as: UTF8.self))
    }

    @Test func linesWithAwkwardTextsAndNumbersReadBackEqual() throws {
        var assignments: [PlanAssignment] = []
        var cadres: [PlanCadreAssignment] = []
        var unmet: [PlanUnmet] = []
        var shortages: [PlanCadreShortage] = []
        for (i, t) in Self.texts.enumerated() {
            let km = Self.numbers[i % Self.numbers.count]
            assignments.append(PlanAssignment(from: "pos-\(t)", fromKelurahan: "12.75.02.1001", to: t, toKelurahan: "12.75.02.1003",
                                              bidang: Bidang.allCases[i % 6], amount: i * 37 - 5, distanceKm: km,
                                              fallbackRank: i.isMultiple(of: 2) ? i : nil, overrideID: i == 3 ? "O-\(t)" : nil, reason: t))
            cadres.append(PlanCadreAssignment(cadreID: "k-\(i)", nama: t, home: "h", homeKelurahan: t, to: "x", toKelurahan: "y",
                                              bidang: Bidang.allCases[(i + 1) % 6], distanceKm: -km, reason: t + t))
            unmet.append(PlanUnmet(post: t, kelurahan: "k", bidang: .sosial, amount: Int.max - i, blocker: PlanBlocker.allCases[i % 5], reason: t))
            shortages.append(PlanCadreShortage(post: "p", kelurahan: t, bidang: .kesehatan, needed: i, assigned: Int.min + i, reason: t))
        }
        try roundTrip(assignments)
        try roundTrip(cadres)
        try roundTrip(unmet)
        try roundTrip(shortages)
        try roundTrip([PlanAssignment]())
    }

    @Test func aNonFiniteDistanceIsAnErrorNotAStoredNumber() {
        let line = PlanAssignment(from: "a", fromKelurahan: "k", to: "b", toKelurahan: "k", bidang: .pendidikan, amount: 1,
                                  distanceKm: .nan, fallbackRank: nil, overrideID: nil, reason: "")
        #expect(throws: JSONWriter.NonFinite.self) { try PlanAssignment.json([line]) }
    }
}
