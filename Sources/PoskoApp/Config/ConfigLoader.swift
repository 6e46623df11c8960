import Foundation
import PoskoAPI
import PoskoCore

/// Strict loading of `posko.yaml`, with the same `file:line:col` diagnostics as playbooks.
public enum ConfigLoader {
    public struct Failure: Error, CustomStringConvertible {
        public var diagnostics: [Diagnostic]
        public var description: String { diagnostics.errors.map(\.description).joined(separator: "\n") }
    }

    public static func load(path: String) throws(Failure) -> PoskoConfig {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw Failure(diagnostics: [Diagnostic(.error, file: path, line: 1, column: 1, "cannot read configuration file")])
        }
        return try parse(data, file: path)
    }

    public static func parse(_ data: Data, file: String) throws(Failure) -> PoskoConfig {
        var reader = YAMLReader(file: file)
        var config = PoskoConfig()
        config.source = file
        reader.withDocument(data, maxBytes: 1 << 20) { r, root in
            read(root, into: &config, reader: &r)
        }
        if reader.diagnostics.hasErrors { throw Failure(diagnostics: reader.diagnostics) }
        return config
    }

    private static func read(_ root: YAMLNode, into c: inout PoskoConfig, reader r: inout YAMLReader) {
        guard let top = r.mapping(root, "the configuration", optional: [
            "listen", "state_directory", "playbook_directory", "wilayah_file", "public_base_url",
            "auth", "channels", "inbound_sms", "limits", "cap", "alerts",
        ]) else { return }
        if let node = top["alerts"], let f = r.mapping(node, "alerts", optional: ["grouping_window", "coverage_threshold"]) {
            if let v = f["grouping_window"].flatMap({ r.duration($0, "alerts.grouping_window") }) { c.alerts.groupingWindow = v }
            if let v = f["coverage_threshold"].flatMap({ r.double($0, "alerts.coverage_threshold", range: 0...1) }) { c.alerts.coverageThreshold = v }
        }
        if let node = top["cap"], let f = r.mapping(node, "cap", optional: ["boundaries_file", "sender", "open_status", "expiry_grace", "feeds"]) {
            c.cap.boundariesFile = f["boundaries_file"].flatMap { r.string($0, "cap.boundaries_file") }
            if let v = f["sender"].flatMap({ r.string($0, "cap.sender") }) { c.cap.sender = v }
            if let node = f["open_status"], let v = r.enumValue(node, "cap.open_status", EmergencyStatus.self) {
                if v == .selesai { r.error(node, "cap.open_status must be siaga_darurat, tanggap_darurat or transisi_darurat") } else { c.cap.openStatus = v }
            }
            if let v = f["expiry_grace"].flatMap({ r.duration($0, "cap.expiry_grace") }) { c.cap.expiryGrace = v }
            for item in f["feeds"].flatMap({ r.list($0, "cap.feeds") }) ?? [] {
                guard let ff = r.mapping(item, "a CAP feed", required: ["url"], optional: ["interval"]) else { continue }
                let u = ff["url"].flatMap { url($0, reader: &r, "cap feed url") }
                let interval = ff["interval"].map { r.duration($0, "cap feed interval") } ?? 300
                if let u, let interval { c.cap.feeds.append(.init(url: u, interval: interval)) }
            }
        }
        if let node = top["listen"], let f = r.mapping(node, "listen", required: ["host", "port"]) {
            if let h = f["host"].flatMap({ r.string($0, "listen.host") }) { c.listen.host = h }
            if let p = f["port"].flatMap({ r.int($0, "listen.port", min: 0, max: 65535) }) { c.listen.port = p }
        }
        if let v = top["state_directory"].flatMap({ r.string($0, "state_directory") }) { c.stateDirectory = v }
        if let v = top["playbook_directory"].flatMap({ r.string($0, "playbook_directory") }) { c.playbookDirectory = v }
        c.wilayahFile = top["wilayah_file"].flatMap { r.string($0, "wilayah_file") }
        c.publicBaseURL = top["public_base_url"].flatMap { url($0, reader: &r, "public_base_url") }
        if let node = top["limits"], let f = r.mapping(node, "limits", optional: ["max_body_bytes"]) {
            if let v = f["max_body_bytes"].flatMap({ r.int($0, "limits.max_body_bytes", min: 1024, max: 64 << 20) }) { c.maxBodyBytes = v }
        }
        if let node = top["auth"], let f = r.mapping(node, "auth", optional: ["tokens"]),
           let list = f["tokens"].flatMap({ r.list($0, "auth.tokens") }) {
            var names = Set<String>()
            for item in list {
                guard let t = r.mapping(item, "a token", required: ["name", "role"], optional: ["file", "credential", "token"]) else { continue }
                if let inline = t.raw("token") {
                    r.error(inline, "inline tokens are not allowed; use 'file:' or 'credential:'")
                }
                let name = t["name"].flatMap { r.string($0, "token name") }
                let role = t["role"].flatMap { r.enumValue($0, "role", Role.self) }
                let secret = secretRef(t, reader: &r, item, "token '\(name ?? "?")'")
                if let name, !names.insert(name).inserted { r.error(item, "duplicate token name '\(name)'") }
                if let name, let role, let secret { c.tokens.append(.init(name: name, role: role, secret: secret)) }
            }
        }
        if let node = top["channels"], let f = r.mapping(node, "channels", optional: ["sms_order", "kannel", "http_sms", "webhooks"]) {
            readChannels(f, into: &c, reader: &r)
        }
        if let node = top["inbound_sms"], let f = r.mapping(node, "inbound_sms", optional: ["file", "credential"]) {
            c.inboundSMSSecret = secretRef(f, reader: &r, node, "inbound_sms")
        }
    }

    private static func readChannels(_ f: YAMLReader.Fields, into c: inout PoskoConfig, reader r: inout YAMLReader) {
        var names: [String: SourceLocation] = [:]
        func claim(_ name: String, _ node: YAMLNode, _ r: inout YAMLReader) {
            if let first = names[name] { r.error(node, "duplicate channel name '\(name)' (first at \(first))") }
            names[name] = r.location(node)
        }
        for item in f["kannel"].flatMap({ r.list($0, "channels.kannel") }) ?? [] {
            guard let k = r.mapping(item, "a kannel channel", required: ["name", "sendsms_url", "username"],
                                    optional: ["password_file", "password_credential", "sender", "dlr_url", "dlr_timeout"]) else { continue }
            let name = k["name"].flatMap { r.string($0, "name") }
            let urlValue = k["sendsms_url"].flatMap { url($0, reader: &r, "sendsms_url") }
            let user = k["username"].flatMap { r.string($0, "username") }
            let pw = secretRef(k, reader: &r, item, "kannel channel '\(name ?? "?")'", fileKey: "password_file", credentialKey: "password_credential")
            let dlr = k["dlr_url"].flatMap { url($0, reader: &r, "dlr_url") }
            let dlrTimeout = k["dlr_timeout"].flatMap { node -> Int? in
                guard let v = r.duration(node, "dlr_timeout") else { return nil }
                if v < 10 { r.error(node, "dlr_timeout must be at least 10s (a gateway needs a moment to report)"); return nil }
                return v
            }
            if let name { claim(name, item, &r) }
            if let name, let urlValue, let user, let pw {
                var channel = PoskoConfig.KannelChannel(name: name, sendsmsURL: urlValue, username: user, password: pw,
                                                        sender: k["sender"].flatMap { r.string($0, "sender") } ?? "POSKO", dlrURL: dlr)
                if let dlrTimeout { channel.dlrTimeout = dlrTimeout }
                c.kannel.append(channel)
            }
        }
        for item in f["http_sms"].flatMap({ r.list($0, "channels.http_sms") }) ?? [] {
            guard let h = r.mapping(item, "an http_sms channel", required: ["name", "url"],
                                    optional: ["method", "body", "headers", "success_pattern", "secret_file", "secret_credential"]) else { continue }
            let name = h["name"].flatMap { r.string($0, "name") }
            let urlValue = h["url"].flatMap { r.string($0, "url") }
            let method = h["method"].flatMap { r.string($0, "method") }?.uppercased() ?? "POST"
            if !["GET", "POST", "PUT"].contains(method), let node = h["method"] { r.error(node, "method must be GET, POST or PUT") }
            var headers: [String: String] = [:]
            if let node = h["headers"], let map = r.pairs(node) {
                for (k, v) in map { if let key = r.text(k), let value = r.string(v, "header \(key)") { headers[key] = value } }
            } else if let node = h["headers"] {
                r.error(node, "expected a mapping for headers")
            }
            var secret: SecretRef?
            if h["secret_file"] != nil || h["secret_credential"] != nil {
                secret = secretRef(h, reader: &r, item, "http_sms channel", fileKey: "secret_file", credentialKey: "secret_credential")
            }
            if let pattern = h["success_pattern"].flatMap({ r.string($0, "success_pattern") }), (try? Regex(pattern)) == nil, let node = h["success_pattern"] {
                r.error(node, "success_pattern is not a valid regular expression")
            }
            if let name { claim(name, item, &r) }
            if let name, let urlValue {
                c.httpSMS.append(.init(name: name, method: method, url: urlValue, body: h["body"].flatMap { r.string($0, "body") },
                                       headers: headers, successPattern: h["success_pattern"].flatMap { r.string($0, "success_pattern") },
                                       secret: secret))
            }
        }
        for item in f["webhooks"].flatMap({ r.list($0, "channels.webhooks") }) ?? [] {
            guard let w = r.mapping(item, "a webhook endpoint", required: ["name", "url"],
                                    optional: ["secret_files", "secret_credentials"]) else { continue }
            let name = w["name"].flatMap { r.string($0, "name") }
            let urlValue = w["url"].flatMap { url($0, reader: &r, "url") }
            var secrets: [SecretRef] = []
            for n in w["secret_files"].flatMap({ r.list($0, "secret_files") }) ?? [] {
                if let p = r.string(n, "secret file") { secrets.append(.file(p)) }
            }
            for n in w["secret_credentials"].flatMap({ r.list($0, "secret_credentials") }) ?? [] {
                if let p = r.string(n, "credential name") { secrets.append(.credential(p)) }
            }
            if secrets.isEmpty { r.error(item, "webhook '\(name ?? "?")' needs secret_files or secret_credentials") }
            if let name { claim(name, item, &r) }
            if let name, let urlValue, !secrets.isEmpty { c.webhooks.append(.init(name: name, url: urlValue, secrets: secrets)) }
        }
        let smsNames = Set(c.kannel.map(\.name) + c.httpSMS.map(\.name))
        if let node = f["sms_order"], let list = r.list(node, "channels.sms_order") {
            for item in list {
                guard let n = r.string(item, "channel name") else { continue }
                if smsNames.contains(n) { c.smsOrder.append(n) } else { r.error(item, "sms_order names unknown SMS channel '\(n)'") }
            }
        } else {
            c.smsOrder = c.kannel.map(\.name) + c.httpSMS.map(\.name)
        }
    }

    private static func url(_ node: YAMLNode, reader r: inout YAMLReader, _ context: String) -> String? {
        guard let text = r.string(node, context) else { return nil }
        guard let u = URL(string: text), let scheme = u.scheme, ["http", "https"].contains(scheme), u.host != nil else {
            r.error(node, "\(context) '\(text)' is not an http(s) URL")
            return nil
        }
        return text
    }

    private static func secretRef(
        _ f: YAMLReader.Fields, reader r: inout YAMLReader, _ node: YAMLNode, _ context: String,
        fileKey: String = "file", credentialKey: String = "credential"
    ) -> SecretRef? {
        let file = f[fileKey].flatMap { r.string($0, fileKey) }
        let cred = f[credentialKey].flatMap { r.string($0, credentialKey) }
        switch (file, cred) {
        case let (p?, nil): return .file(p)
        case let (nil, n?): return .credential(n)
        case (.some, .some):
            r.error(node, "\(context): give either '\(fileKey)' or '\(credentialKey)', not both")
        case (nil, nil):
            r.error(node, "\(context): missing secret reference ('\(fileKey)' or '\(credentialKey)')")
        }
        return nil
    }
}
