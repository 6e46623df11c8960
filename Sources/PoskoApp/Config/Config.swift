import Foundation
import PoskoAPI
import PoskoCore
import PoskoDelivery
import Yams

/// The daemon's configuration (`Config/posko.yaml`). Secrets are never inline: each is a
/// reference to a file or a systemd credential, read at start-up.
public struct PoskoConfig: Sendable {
    public struct Listen: Sendable { public var host: String; public var port: Int }

    public struct Token: Sendable {
        public var name: String
        public var role: Role
        public var secret: SecretRef
    }

    public struct KannelChannel: Sendable {
        public var name: String
        public var sendsmsURL: String
        public var username: String
        public var password: SecretRef
        public var sender: String
        /// Base URL Kannel calls back with delivery reports (Posko's `/v1/sms/dlr`).
        public var dlrURL: String?
        /// Seconds a queued SMS (Kannel queues while its SMSC is down) may go without any delivery
        /// report before the next SMS channel sends it. Only with `dlrURL`.
        public var dlrTimeout = Int(KannelConfiguration.defaultReportTimeout)
    }

    public struct HTTPSMSChannel: Sendable {
        public var name: String
        public var method: String
        public var url: String
        public var body: String?
        public var headers: [String: String]
        public var successPattern: String?
        public var secret: SecretRef?
    }

    public struct WebhookEndpoint: Sendable {
        public var name: String
        public var url: String
        public var secrets: [SecretRef]
    }

    public var listen = Listen(host: "127.0.0.1", port: 8080)
    public var stateDirectory = "var/posko"
    public var playbookDirectory = "Playbooks"
    public var wilayahFile: String?
    public var publicBaseURL: String?
    public var tokens: [Token] = []
    public var kannel: [KannelChannel] = []
    public var httpSMS: [HTTPSMSChannel] = []
    public var webhooks: [WebhookEndpoint] = []
    /// Order of SMS channels to fail over along.
    public var smsOrder: [String] = []
    public var inboundSMSSecret: SecretRef?
    public var cap = CAPSettings()
    public var alerts = AlertSettings()
    public var maxBodyBytes = 1 << 20
    public var source = "(defaults)"

    public init() {}
}

/// How alerts are grouped and when low coverage alerts camat and BPBD.
public struct AlertSettings: Sendable {
    /// Status and plan alerts to one recipient within this many seconds go as one message.
    public var groupingWindow = 60
    /// Coverage of a kelurahan × field below this alerts camat and BPBD.
    public var coverageThreshold = 0.8

    public init() {}
}

/// Hazard alerts in (BMKG CAP) and out (Posko's CAP documents).
public struct CAPSettings: Sendable {
    public struct Feed: Sendable {
        public var url: String
        public var interval: Int
    }

    public var boundariesFile: String?
    public var sender = "posko@bpbd.binjaikota.go.id"
    /// BNPB status an emergency opened by a CAP alert starts at.
    public var openStatus: EmergencyStatus = .siagaDarurat
    /// How long after a CAP alert expires its emergency is lowered (ended).
    public var expiryGrace = 2 * 3600
    public var feeds: [Feed] = []

    public init() {}
}

/// A secret named by a file path or a systemd credential (`$CREDENTIALS_DIRECTORY/<name>`).
public enum SecretRef: Sendable, CustomStringConvertible {
    case file(String)
    case credential(String)

    public var description: String {
        switch self {
        case let .file(p): "file \(p)"
        case let .credential(n): "credential \(n)"
        }
    }

    public struct ReadError: Error, CustomStringConvertible {
        public var description: String
    }

    /// The secret's value, trimmed. Errors name the reference, never the content.
    public func read(environment: [String: String] = ProcessInfo.processInfo.environment, relativeTo base: String? = nil) throws(ReadError) -> Secret {
        let path: String
        switch self {
        case let .file(p):
            path = p.hasPrefix("/") || base == nil ? p : ((base ?? "") as NSString).appendingPathComponent(p)
        case let .credential(name):
            guard let dir = environment["CREDENTIALS_DIRECTORY"] else {
                throw ReadError(description: "credential '\(name)' requested but $CREDENTIALS_DIRECTORY is not set (use LoadCredential= in the unit, or a file: reference)")
            }
            path = (dir as NSString).appendingPathComponent(name)
        }
        guard let data = FileManager.default.contents(atPath: path) else {
            throw ReadError(description: "cannot read secret from \(self) (\(path))")
        }
        let value = String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        guard !value.isEmpty else { throw ReadError(description: "secret from \(self) is empty") }
        return Secret(value)
    }
}

/// A secret value that never prints itself.
public struct Secret: Sendable, Equatable, CustomStringConvertible, CustomDebugStringConvertible {
    public let value: String
    public init(_ value: String) { self.value = value }
    public var description: String { "<redacted>" }
    public var debugDescription: String { "<redacted>" }
}
