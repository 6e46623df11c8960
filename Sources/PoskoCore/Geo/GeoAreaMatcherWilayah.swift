import Foundation

extension AreaMatcher {
    /// A matcher over every kelurahan and desa of a wilayah table.
    ///
    /// - Parameters:
    ///   - boundaries: kelurahan boundaries (e.g. from `GeoJSONBoundaries.load`), joined on the code.
    ///   - fallbackPoints: per kelurahan code, points standing in for a missing boundary
    ///     (posyandu locations). The table's centroid is added to them when known.
    public init(
        table: WilayahTable, boundaries: [GeoBoundary] = [], fallbackPoints: [String: [Coordinate]] = [:],
        nameMatching: NameMatching = .fallback
    ) {
        let units = table.units.values.sorted { $0.code < $1.code }
        var regionNames: [String: String] = [:]
        for unit in units where [.provinsi, .kota, .kabupaten].contains(unit.level) {
            regionNames[unit.code] = unit.name
        }
        let kelurahan = units.filter { $0.level == .kelurahan || $0.level == .desa }.map { unit in
            var points = fallbackPoints[unit.code] ?? []
            if let centroid = unit.centroid { points.append(centroid) }
            return Kelurahan(
                code: unit.code, name: unit.name, kecamatanCode: unit.parent,
                kecamatanName: table[unit.parent]?.name ?? "", fallbackPoints: points
            )
        }
        self.init(
            kelurahan: Self.attach(boundaries, to: kelurahan), regionNames: regionNames, nameMatching: nameMatching
        )
    }
}
