import ArgumentParser
import Foundation
import Logging
import PoskoApp
import PoskoCore
import PoskoStorage

struct Posko: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "posko",
        abstract: "Posyandu service continuity coordinator for BPBD (Kota Binjai).",
        subcommands: [Serve.self, Validate.self, Solve.self, Drill.self, Status.self, Declare.self, Report.self, End.self, Alerts.self, Resend.self, Backup.self]
    )

    /// Exit codes: 0 ok, 1 invalid input or failure, 2 usage error.
    static func run(arguments: [String]) async -> Int32 {
        do {
            var command = try parseAsRoot(arguments)
            if var async = command as? any AsyncParsableCommand {
                try await async.run()
            } else {
                try command.run()
            }
            return 0
        } catch let code as ExitCode {
            return code.rawValue
        } catch {
            let code = exitCode(for: error)
            if code == .success {
                print(fullMessage(for: error))
                return 0
            }
            FileHandle.standardError.write(Data((fullMessage(for: error) + "\n").utf8))
            return error is ValidationError || code == .validationFailure ? 2 : 1
        }
    }
}

enum OutputFormat: String, ExpressibleByArgument {
    case human, json
}

struct Validate: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Validate playbooks: prints every error and warning; exit 0 valid, 1 invalid, 2 usage error."
    )

    @Argument(help: "Playbook files or directories (default: Playbooks).")
    var paths: [String] = []

    @Option(help: "Output format: human or json.")
    var format: OutputFormat = .human

    @Flag(help: "Print a summary: kecamatan, posts per SPM field, cadres, coverage gaps.")
    var explain = false

    @Option(help: "Extra wilayah table (CSV kode,nama,level,parent,lat,lon) beyond Binjai.")
    var wilayah: String?

    func run() throws {
        let table: WilayahTable
        do { table = try PlaybookFiles.wilayah(file: wilayah) } catch { throw ValidationError(error.description) }
        let (set, diagnostics) = PlaybookFiles.check(paths: paths.isEmpty ? ["Playbooks"] : paths, wilayah: table)
        switch format {
        case .json: print(ValidateReport.json(diagnostics, set: set))
        case .human:
            if explain, let set {
                print(ValidateReport.explain(set, diagnostics: diagnostics))
            } else {
                print(ValidateReport.human(diagnostics, set: set))
            }
        }
        if set == nil { throw ExitCode(1) }
    }
}

struct Serve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Run the Posko daemon (HTTP API, timers, delivery) until SIGTERM.")

    @Option(help: "Configuration file.")
    var config: String = "Config/posko.yaml"

    @Option(help: "Override the listen port from the configuration.")
    var port: Int?

    func run() async throws {
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = ProcessInfo.processInfo.environment["POSKO_LOG_LEVEL"].flatMap(Logger.Level.init(rawValue:)) ?? .info
            return handler
        }
        do {
            var cfg = try ConfigLoader.load(path: config)
            if let port { cfg.listen.port = port }
            let daemon = try PoskoDaemon.prepare(config: cfg)
            try await daemon.run()
        } catch let error as ConfigLoader.Failure {
            fail("posko: invalid configuration: " + error.diagnostics.errors.map(\.description).joined(separator: "; "))
        } catch let error as StartupError {
            fail("posko: " + error.description)
        }
    }

    private func fail(_ line: String) -> Never {
        FileHandle.standardError.write(Data((line + "\n").utf8))
        Foundation.exit(1)
    }
}

exit(await Posko.run(arguments: Array(CommandLine.arguments.dropFirst())))

struct Backup: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Copy the daemon's database to a file, also while it runs: posko backup --out posko-2026-12-07.sqlite",
        discussion: """
            The copy is consistent (one read transaction) and checked before it is kept. To restore: stop the \
            daemon, put the copy in the state directory as posko.sqlite (without the old -wal and -shm files), start it.
            """)

    @Option(help: "Configuration file (for its state_directory).")
    var config: String = "Config/posko.yaml"

    @Option(help: "State directory holding posko.sqlite (instead of the configuration's).")
    var stateDirectory: String?

    @Option(help: "The file to write; it must not exist.")
    var out: String

    func run() throws {
        do {
            let directory = try stateDirectory ?? ConfigLoader.load(path: config).stateDirectory
            let s = try StoreBackup.copy(directory: directory, to: out)
            print("Cadangan tersimpan: \(s.path) (\(s.bytes / 1024) KiB, \(s.events) peristiwa, skema \(s.schema)); pemeriksaan integritas: ok")
        } catch let error as ConfigLoader.Failure {
            throw ValidationError("invalid configuration: " + error.diagnostics.errors.map(\.description).joined(separator: "; "))
        } catch let error as StoreError {
            FileHandle.standardError.write(Data("posko: backup failed: \(error.description)\n".utf8))
            throw ExitCode(1)
        } catch {
            FileHandle.standardError.write(Data("posko: backup to \(out) failed: \(error)\n".utf8))
            throw ExitCode(1)
        }
    }
}
