import Foundation
import PoskoCore

/// Plan lines written as JSON directly (``JSONWritable``), for the chunks `PlanArchive`
/// stores; read back with `JSONDecoder`.
protocol PlanLineJSON: JSONWritable {}

extension PlanLineJSON {
    /// A chunk of lines as a JSON array.
    static func json(_ lines: [Self]) throws -> String {
        try JSONWriter.text(lines, dates: .secondsSince1970, capacity: lines.count * 256 + 2)
    }
}

extension PlanAssignment: PlanLineJSON {
    package func writeJSON(_ w: inout JSONWriter) throws {
        try w.object { o in
            o.int("amount", amount)
            o.string("bidang", bidang.rawValue)
            try o.double("distanceKm", distanceKm)
            o.int("fallbackRank", fallbackRank)
            o.string("from", from)
            o.string("fromKelurahan", fromKelurahan)
            o.string("overrideID", overrideID)
            o.string("reason", reason)
            o.string("to", to)
            o.string("toKelurahan", toKelurahan)
        }
    }
}

extension PlanCadreAssignment: PlanLineJSON {
    package func writeJSON(_ w: inout JSONWriter) throws {
        try w.object { o in
            o.string("bidang", bidang.rawValue)
            o.string("cadreID", cadreID)
            try o.double("distanceKm", distanceKm)
            o.string("home", home)
            o.string("homeKelurahan", homeKelurahan)
            o.string("nama", nama)
            o.string("reason", reason)
            o.string("to", to)
            o.string("toKelurahan", toKelurahan)
        }
    }
}

extension PlanUnmet: PlanLineJSON {
    package func writeJSON(_ w: inout JSONWriter) throws {
        w.object { o in
            o.int("amount", amount)
            o.string("bidang", bidang.rawValue)
            o.string("blocker", blocker.rawValue)
            o.string("kelurahan", kelurahan)
            o.string("post", post)
            o.string("reason", reason)
        }
    }
}

extension PlanCadreShortage: PlanLineJSON {
    package func writeJSON(_ w: inout JSONWriter) throws {
        w.object { o in
            o.int("assigned", assigned)
            o.string("bidang", bidang.rawValue)
            o.string("kelurahan", kelurahan)
            o.int("needed", needed)
            o.string("post", post)
            o.string("reason", reason)
        }
    }
}
