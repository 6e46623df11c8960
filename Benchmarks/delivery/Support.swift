import Foundation

/// Latency percentiles in milliseconds.
struct Percentiles: CustomStringConvertible {
    let sorted: [Double]

    init(_ values: [Double]) { sorted = values.sorted() }

    func value(_ p: Double) -> Double? {
        sorted.isEmpty ? nil : sorted[min(sorted.count - 1, Int(Double(sorted.count) * p))]
    }

    var description: String {
        func f(_ p: Double) -> String { value(p).map { String(format: "%.2f ms", $0) } ?? "-" }
        return "p50 \(f(0.5)), p90 \(f(0.9)), p99 \(f(0.99)), max \(f(1.0)) (\(sorted.count) samples)"
    }
}

extension Duration {
    var seconds: Double { Double(components.seconds) + Double(components.attoseconds) / 1e18 }
    var milliseconds: Double { seconds * 1000 }
}

/// Resident set size of this process, in MiB (Linux /proc).
func residentMiB() -> Double {
    guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8),
          let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmRSS:") }),
          let kb = Double(line.split(separator: " ").dropFirst().first ?? "") else { return -1 }
    return kb / 1024
}

/// `--name value` pairs after the mode.
struct Arguments {
    var values: [String: String] = [:]

    init(_ arguments: ArraySlice<String>) {
        var iterator = arguments.makeIterator()
        while let name = iterator.next() {
            guard name.hasPrefix("--"), let value = iterator.next() else {
                print("ignoring argument \(name)")
                continue
            }
            values[String(name.dropFirst(2))] = value
        }
    }

    func int(_ name: String, _ fallback: Int, in range: ClosedRange<Int>) -> Int {
        min(max(values[name].flatMap(Int.init) ?? fallback, range.lowerBound), range.upperBound)
    }
}
