import Foundation

/// Posko's own public alerts as CAP 1.2: an emergency declared, changed or ended, with the
/// affected kelurahan as areas (Kemendagri geocode, and the boundary polygon when known).
public struct CAPPublisher: Sendable {
    public var sender: String
    public var senderName: String
    /// Kelurahan boundaries by code (outer rings), when a boundary file is configured.
    public var boundaries: [String: [Coordinate]]

    public init(sender: String = "posko@bpbd.binjaikota.go.id", senderName: String = "BPBD Kota Binjai (Posko)",
                boundaries: [GeoBoundary] = []) {
        self.sender = sender
        self.senderName = senderName
        var b: [String: [Coordinate]] = [:]
        for boundary in boundaries {
            if let ring = boundary.polygons.first?.outer.points { b[boundary.kode] = ring }
        }
        self.boundaries = b
    }

    public func identifier(eventID: Int64) -> String { "posko-binjai-\(eventID)" }

    /// The CAP alert for an emergency event. `previous` is the event this one updates: its id
    /// and its time, the `sent` of the CAP alert Posko published for it.
    public func alert(eventID: Int64, kind: EventKind, emergency e: Emergency, at: Date, previous: (id: Int64, at: Date)?,
                      playbooks set: PlaybookSet) -> CAPAlert {
        let msgType: CAPMessageType = kind == .emergencyDeclared ? .alert : .update
        let references = previous.map {
            [CAPReference(sender: sender, identifier: identifier(eventID: $0.id), sent: CAPDateTime(date: $0.at))]
        } ?? []
        let kelurahan = AlertRules.kelurahan(in: e.areas, set: set)
        let areas = kelurahan.map { code -> CAPArea in
            let unit = set.wilayah[code]
            let kec = unit.flatMap { set.wilayah[$0.parent] }
            var polygons: [[Coordinate]] = []
            if let ring = boundaries[code], ring.count >= 4 { polygons = [ring] }
            return CAPArea(areaDesc: "Kel. \(unit?.name ?? code), Kec. \(kec?.name ?? "")", polygons: polygons,
                           geocodes: [CAPValuePair(valueName: "KEMENDAGRI", value: code)])
        }
        let ended = kind == .emergencyEnded
        let severity: CAPSeverity = switch e.status {
        case .tanggapDarurat: .severe
        case .siagaDarurat: .moderate
        case .transisiDarurat, .selesai: .minor
        }
        let headline = ended
            ? "Darurat \(e.hazard.label) \(e.id) selesai"
            : "Darurat \(e.hazard.label) (\(e.status.label)) di \(AlertText.areaNames(e.areas, set))"
        let description = ended
            ? "Keadaan darurat \(e.hazard.label) \(e.id) telah berakhir. Layanan posyandu kembali ke pos masing-masing."
            : "Status \(e.status.label) untuk \(e.hazard.label) di \(kelurahan.count) kelurahan. Layanan posyandu (enam bidang SPM) dialihkan ke pos yang berfungsi sesuai rencana kontinjensi."
        let info = CAPInfo(
            language: "id-ID", categories: categories(e.hazard), event: "Darurat \(e.hazard.label)",
            responseTypes: ended ? [.allClear] : [.prepare, .monitor],
            urgency: ended ? .past : .immediate, severity: ended ? .minor : severity, certainty: .observed,
            effective: CAPDateTime(date: at), senderName: senderName, headline: headline, description: description,
            instruction: ended ? nil : "Ikuti arahan lurah dan kader; lapor status pos: LAPOR <pos> <bidang|SEMUA> <BUKA|TERGANGGU|TUTUP>.",
            parameters: [CAPValuePair(valueName: "POSKO_EMERGENCY_ID", value: e.id), CAPValuePair(valueName: "BNPB_STATUS", value: e.status.rawValue)],
            areas: areas)
        return CAPAlert(identifier: identifier(eventID: eventID), sender: sender, sent: CAPDateTime(date: at),
                        status: e.exercise ? .exercise : .actual, msgType: msgType, scope: .public,
                        note: e.exercise ? "LATIHAN — bukan keadaan darurat sebenarnya" : nil, references: references, infos: [info])
    }

    func categories(_ h: Hazard) -> [CAPCategory] {
        switch h {
        case .banjir, .banjirBandang, .cuacaEkstrem, .anginKencang, .kekeringan: [.met, .safety]
        case .gempaBumi, .tsunami, .tanahLongsor, .erupsi: [.geo, .safety]
        case .kebakaran: [.fire, .safety]
        }
    }
}
