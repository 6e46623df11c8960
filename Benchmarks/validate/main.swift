// Baseline for `posko validate`: Yams alone composing the same files (no checks).
// Usage: yams-baseline [--default-resolver] DIR
import Foundation
import Yams

var args = Array(CommandLine.arguments.dropFirst())
let useDefault = args.first == "--default-resolver"
if useDefault { args.removeFirst() }
guard let dir = args.first else { fatalError("usage: yams-baseline [--default-resolver] DIR") }
let names = ((try? FileManager.default.contentsOfDirectory(atPath: dir)) ?? []).filter { $0.hasSuffix(".yaml") }.sorted()
var nodes = 0
for name in names {
    guard let data = FileManager.default.contents(atPath: dir + "/" + name), let text = String(data: data, encoding: .utf8) else { continue }
    if let node = try? Parser(yaml: text, resolver: useDefault ? .default : .basic).singleRoot(), case let .mapping(m) = node { nodes += m.count }
}
print("composed \(names.count) files (\(nodes) top-level keys)")
