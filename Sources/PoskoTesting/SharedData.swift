import Foundation
import PoskoStorage

/// Paths inside the repository and `../shared`, for tests.
public enum RepoPaths {
    /// The repository root, found from this source file's location.
    public static let root: URL = {
        var url = URL(fileURLWithPath: #filePath)
        for _ in 0..<3 { url.deleteLastPathComponent() } // Sources/PoskoTesting/SharedData.swift
        return url
    }()

    public static func path(_ relative: String) -> String {
        root.appendingPathComponent(relative).path
    }

    /// `../shared/<relative>` beside the repository.
    public static func shared(_ relative: String) -> String {
        root.deletingLastPathComponent().appendingPathComponent("shared").appendingPathComponent(relative).path
    }

    public static var isCI: Bool { ProcessInfo.processInfo.environment["CI"].map { !$0.isEmpty && $0 != "false" } ?? false }

    public struct MissingInCI: Error, CustomStringConvertible {
        public var description: String
    }

    /// The shared file's path when it exists. Missing: nil outside CI (the test skips), an
    /// error in CI (the test fails).
    public static func requireShared(_ relative: String) throws -> String? {
        let p = shared(relative)
        if FileManager.default.fileExists(atPath: p) { return p }
        if isCI { throw MissingInCI(description: "\(p) is missing; CI needs ../shared beside the repository") }
        return nil
    }

    /// An external tool on PATH (e.g. xmllint, bearerbox). Missing: nil outside CI, an error in CI.
    public static func requireTool(_ name: String, extraDirs: [String] = []) throws -> String? {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
        for dir in path.split(separator: ":").map(String.init) + extraDirs {
            let candidate = (dir as NSString).appendingPathComponent(name)
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
        }
        if isCI { throw MissingInCI(description: "\(name) is not installed; .ci/run must install it") }
        return nil
    }
}

/// A fresh temporary directory, removed by `remove()`.
public struct TempDir: Sendable {
    public let url: URL
    public var path: String { url.path }

    public init(_ prefix: String = "posko") throws {
        url = FileManager.default.temporaryDirectory.appendingPathComponent("\(prefix)-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }

    public func write(_ name: String, _ text: String) throws -> String {
        let p = url.appendingPathComponent(name)
        try FileManager.default.createDirectory(at: p.deletingLastPathComponent(), withIntermediateDirectories: true)
        try Data(text.utf8).write(to: p)
        return p.path
    }

    public func remove() { try? FileManager.default.removeItem(at: url) }
}

/// `body` on a copy of the SQLite file at `path` alone, without its write-ahead log: what a
/// power cut before the log reached the disk would leave.
public func withDatabaseFileAlone<T>(_ path: String, _ body: (PoskoStore) throws -> T) throws -> T {
    let copy = try TempDir("posko-file-alone")
    defer { copy.remove() }
    try FileManager.default.copyItem(atPath: path, toPath: copy.path + "/posko.sqlite")
    let store = try PoskoStore.open(directory: copy.path)
    defer { try? store.close() }
    return try body(store)
}
