import Foundation
import PoskoCore

/// Reads playbook files from disk (the I/O edge of `PlaybookSet.load`).
public enum PlaybookFiles {
    public struct ReadError: Error, CustomStringConvertible {
        public var description: String
    }

    /// Binjai's wilayah table, merged with a CSV file (`kode,nama,level,parent,lat,lon`) if given.
    public static func wilayah(file: String?) throws(ReadError) -> WilayahTable {
        guard let file else { return .binjai }
        do {
            return WilayahTable.binjai.merging(try WilayahTable.parseCSV(String(contentsOfFile: file, encoding: .utf8)))
        } catch {
            throw ReadError(description: "cannot read wilayah table \(file): \(error)")
        }
    }

    /// Files for the given paths: a directory contributes its `*.yaml`/`*.yml` files (not
    /// subdirectories such as `latihan/`), a file contributes itself.
    public static func read(paths: [String], maxBytes: Int = YAMLReader.defaultMaxBytes) throws(ReadError) -> [(path: String, data: Data)] {
        var out: [(path: String, data: Data)] = []
        let fm = FileManager.default
        for path in paths {
            var isDir: ObjCBool = false
            guard fm.fileExists(atPath: path, isDirectory: &isDir) else {
                throw ReadError(description: "\(path): no such file or directory")
            }
            if isDir.boolValue {
                let names: [String]
                do { names = try fm.contentsOfDirectory(atPath: path) } catch {
                    throw ReadError(description: "\(path): cannot list directory: \(error.localizedDescription)")
                }
                for name in names.sorted() where name.hasSuffix(".yaml") || name.hasSuffix(".yml") {
                    let file = (path as NSString).appendingPathComponent(name)
                    var sub: ObjCBool = false
                    if fm.fileExists(atPath: file, isDirectory: &sub), !sub.boolValue {
                        out.append((file, try readFile(file, maxBytes: maxBytes)))
                    }
                }
            } else {
                out.append((path, try readFile(path, maxBytes: maxBytes)))
            }
        }
        return out
    }

    /// Reads at most `maxBytes + 1` bytes so an oversized file is reported without loading it whole.
    static func readFile(_ path: String, maxBytes: Int) throws(ReadError) -> Data {
        guard let handle = FileHandle(forReadingAtPath: path) else {
            throw ReadError(description: "\(path): cannot open file")
        }
        defer { try? handle.close() }
        do {
            return try handle.read(upToCount: maxBytes + 1) ?? Data()
        } catch {
            throw ReadError(description: "\(path): cannot read file: \(error.localizedDescription)")
        }
    }

    /// What `posko validate` checks. A playbook file named on its own is checked together with
    /// the other playbooks of its directory (its fallbacks may be posts of another kecamatan),
    /// and only the named files' diagnostics are reported; when the others have errors of their
    /// own, the named files are checked alone.
    public static func check(paths: [String], wilayah: WilayahTable = .binjai) -> (PlaybookSet?, [Diagnostic]) {
        func absolute(_ p: String) -> String { URL(fileURLWithPath: p).standardizedFileURL.path }
        var named = Set<String>(), context: [String] = []
        for p in paths {
            var isDir: ObjCBool = false
            if FileManager.default.fileExists(atPath: p, isDirectory: &isDir), !isDir.boolValue {
                named.insert(absolute(p))
                context.append(URL(fileURLWithPath: p).standardizedFileURL.deletingLastPathComponent().path)
            } else {
                context.append(p)
            }
        }
        guard !named.isEmpty else { return load(paths: paths, wilayah: wilayah) }
        let (set, diagnostics) = load(paths: Array(Set(context)).sorted(), wilayah: wilayah)
        let own = diagnostics.filter { named.contains(absolute($0.file)) }
        guard set != nil || !own.errors.isEmpty else { return load(paths: paths, wilayah: wilayah) }
        return (set, own)
    }

    /// Loads a playbook directory into a validated set.
    public static func load(paths: [String], wilayah: WilayahTable = .binjai, knownWebhooks: Set<String>? = nil) -> (PlaybookSet?, [Diagnostic]) {
        do {
            let files = try read(paths: paths)
            return PlaybookSet.load(files: files, wilayah: wilayah, knownWebhooks: knownWebhooks)
        } catch {
            return (nil, [Diagnostic(.error, file: paths.joined(separator: ","), line: 1, column: 1, error.description)])
        }
    }
}
