import Foundation

/// A uniform lat/lon grid over bounding boxes: a query returns the items whose box shares a
/// cell with the query box (a superset of the true hits, which the caller tests exactly).
struct GeoGridIndex: Sendable {
    private let minLat: Double
    private let minLon: Double
    private let cellSize: Double
    private let columns: Int
    private let rows: Int
    private var cells: [[Int32]]
    let itemCount: Int

    /// Items with a nil box are not indexed (they have no geometry).
    init(boxes: [BoundingBox?]) {
        itemCount = boxes.count
        let present = boxes.compactMap { $0 }
        guard let world = present.first.map({ present.dropFirst().reduce($0) { $0.union($1) } }) else {
            minLat = 0; minLon = 0; cellSize = 1; columns = 0; rows = 0; cells = []
            return
        }
        // Cells about the size of a typical item: each item lands in a handful of cells.
        let extents = present.map { Swift.max($0.maxLat - $0.minLat, $0.maxLon - $0.minLon) }.sorted()
        var size = Swift.max(extents[extents.count / 2], 0.005)
        let span = Swift.max(world.maxLat - world.minLat, world.maxLon - world.minLon)
        let maxCellsPerSide = 1024.0
        if span / size > maxCellsPerSide { size = span / maxCellsPerSide }
        minLat = world.minLat
        minLon = world.minLon
        cellSize = size
        columns = Int(((world.maxLon - world.minLon) / size).rounded(.down)) + 1
        rows = Int(((world.maxLat - world.minLat) / size).rounded(.down)) + 1
        cells = []
        var grid = [[Int32]](repeating: [], count: columns * rows)
        for (item, box) in boxes.enumerated() {
            guard let box, let range = cellRange(box) else { continue }
            for row in range.rows {
                for column in range.columns { grid[row * columns + column].append(Int32(item)) }
            }
        }
        cells = grid
    }

    private func cellRange(_ box: BoundingBox) -> (rows: ClosedRange<Int>, columns: ClosedRange<Int>)? {
        guard columns > 0 else { return nil }
        let c0 = Int(((box.minLon - minLon) / cellSize).rounded(.down))
        let c1 = Int(((box.maxLon - minLon) / cellSize).rounded(.down))
        let r0 = Int(((box.minLat - minLat) / cellSize).rounded(.down))
        let r1 = Int(((box.maxLat - minLat) / cellSize).rounded(.down))
        guard c1 >= 0, r1 >= 0, c0 < columns, r0 < rows else { return nil }
        return (Swift.max(0, r0)...Swift.min(rows - 1, r1), Swift.max(0, c0)...Swift.min(columns - 1, c1))
    }

    /// Reusable de-duplication state for a series of queries.
    struct Scratch {
        var seen: [UInt32]
        var generation: UInt32 = 0
        init(count: Int) { seen = [UInt32](repeating: 0, count: count) }
    }

    /// Candidate items for `box`, in ascending item order.
    func candidates(in box: BoundingBox, scratch: inout Scratch) -> [Int] {
        guard let range = cellRange(box) else { return [] }
        scratch.generation &+= 1
        if scratch.generation == 0 {
            for i in scratch.seen.indices { scratch.seen[i] = 0 }
            scratch.generation = 1
        }
        var found: [Int] = []
        for row in range.rows {
            for column in range.columns {
                for item in cells[row * columns + column] where scratch.seen[Int(item)] != scratch.generation {
                    scratch.seen[Int(item)] = scratch.generation
                    found.append(Int(item))
                }
            }
        }
        found.sort()
        return found
    }
}
