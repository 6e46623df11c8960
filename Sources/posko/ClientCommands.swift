import ArgumentParser
import Foundation
import PoskoApp
import PoskoCore

struct ClientOptions: ParsableArguments {
    @Option(help: "Daemon URL (or $POSKO_URL).")
    var url: String = ProcessInfo.processInfo.environment["POSKO_URL"] ?? "http://127.0.0.1:8080"

    @Option(help: "Bearer token (or $POSKO_TOKEN, or a file in $POSKO_TOKEN_FILE).")
    var token: String?

    var client: APIClient { APIClient.from(baseURL: url, flag: token) }
}

/// Runs a client call, printing a failure as one line with exit code 1.
func clientCall(_ body: () async throws -> Void) async throws {
    do {
        try await body()
    } catch let e as APIClient.Failure {
        FileHandle.standardError.write(Data("posko: \(e.description)\n".utf8))
        throw ExitCode(1)
    }
}

struct Status: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Show active emergencies and coverage of a running daemon.")
    @OptionGroup var options: ClientOptions
    @Option(help: "Only this kecamatan code.") var kecamatan: String?

    func run() async throws {
        try await clientCall {
            struct List: Decodable { var emergencies: [Emergency] }
            let list = try await options.client.get(List.self, "/v1/emergencies?active=true")
            let path = "/v1/continuity" + (kecamatan.map { "?kecamatan=\($0)" } ?? "")
            let view = try await options.client.get(ContinuityView.self, path)
            print(StatusText.emergencies(list.emergencies))
            print("")
            print(StatusText.continuity(view))
        }
    }
}

struct Declare: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Declare an emergency: posko declare banjir 12.75.02.1001 12.75.02.1003")
    @OptionGroup var options: ClientOptions
    @Argument(help: "Hazard, e.g. banjir.") var hazard: String
    @Argument(help: "Kecamatan or kelurahan codes.") var areas: [String]
    @Option(help: "siaga_darurat (default), tanggap_darurat or transisi_darurat.") var status: String?
    @Option(help: "Note.") var note: String?

    func run() async throws {
        try await clientCall {
            let e = try await options.client.send(.POST, "/v1/emergencies",
                                                  DeclareRequest(hazard: hazard, areas: areas, status: status, note: note), as: Emergency.self)
            print(StatusText.emergencies([e]))
        }
    }
}

struct Report: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Report a post's status: posko report berngam-1 semua tutup")
    @OptionGroup var options: ClientOptions
    @Argument(help: "Post id.") var post: String
    @Argument(help: "SPM field or semua.") var bidang: String
    @Argument(help: "berjalan, terganggu or tutup.") var status: String
    @Option(help: "Remaining capacity when terganggu.") var capacity: Int?
    @Option(help: "Note.") var note: String?

    func run() async throws {
        try await clientCall {
            struct R: Decodable { var reports: [StatusReport] }
            let r = try await options.client.send(.POST, "/v1/reports",
                                                  ReportRequest(post: post, bidang: bidang, status: status, capacity: capacity, note: note), as: R.self)
            print("Tercatat: \(r.reports.map { "\($0.postID) \($0.bidang.rawValue) \($0.status.rawValue)" }.joined(separator: "; "))")
        }
    }
}

struct End: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "End an emergency: posko end D-20261123-001")
    @OptionGroup var options: ClientOptions
    @Argument(help: "Emergency id.") var id: String

    func run() async throws {
        try await clientCall {
            let e = try await options.client.send(.POST, "/v1/emergencies/\(id)/end", [String: String](), as: Emergency.self)
            print("Keadaan darurat \(e.id) selesai.")
        }
    }
}

struct Alerts: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "List outbox messages of a running daemon: when, recipient, channel, state, tries, reply code.")
    @OptionGroup var options: ClientOptions
    @Option(help: "Only this state: pending, sending, sent, delivered or failed.") var state: String?
    @Option(help: "How many, newest first.") var limit: Int = 50

    func run() async throws {
        try await clientCall {
            struct List: Decodable { var messages: [StatusText.Message] }
            var path = "/v1/messages?limit=\(limit)"
            if let state { path += "&state=\(state)" }
            print(StatusText.messages(try await options.client.get(List.self, path).messages))
        }
    }
}

struct Resend: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Send a failed message again from its first channel: posko resend m-12-3-…",
        discussion: "For after an outage that outlasted the retries; `posko alerts --state failed` lists them.")
    @OptionGroup var options: ClientOptions
    @Argument(help: "Message id.") var id: String

    func run() async throws {
        try await clientCall {
            let m = try await options.client.send(.POST, "/v1/messages/\(id)/resend", [String: String](), as: StatusText.Message.self)
            print("Pesan \(m.id) untuk \(m.recipient) dikirim ulang lewat \(m.channel ?? "-").")
        }
    }
}
