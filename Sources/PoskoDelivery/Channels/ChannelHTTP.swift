import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import NIOPosix
import PoskoCore

/// What came back from one HTTP attempt of a channel.
enum ChannelHTTPOutcome: Sendable {
    case response(status: Int, headers: HTTPHeaders, body: String)
    case transportFailure(reason: String, permanent: Bool)
}

/// Shared HTTP plumbing of the channels: one request with a deadline, a bounded body read, and
/// errors turned into short reasons that never contain the URL (it may carry credentials).
enum ChannelHTTP {
    /// Bytes of a reply body kept for classification and reasons; the rest is drained.
    static let bodyLimit = 16 * 1024

    static func perform(_ request: HTTPClientRequest, client: HTTPClient, timeout: Duration) async -> ChannelHTTPOutcome {
        do {
            let response = try await client.execute(request, timeout: timeAmount(timeout))
            var kept = ByteBuffer()
            for try await var chunk in response.body {
                let room = bodyLimit - kept.readableBytes
                if room > 0, let slice = chunk.readSlice(length: min(room, chunk.readableBytes)) {
                    var slice = slice
                    kept.writeBuffer(&slice)
                }
            }
            let body = String(decoding: kept.readableBytesView, as: UTF8.self)
            return .response(status: Int(response.status.code), headers: response.headers, body: body)
        } catch {
            return classify(error)
        }
    }

    static func timeAmount(_ duration: Duration) -> TimeAmount {
        let (seconds, attoseconds) = duration.components
        let nanos = seconds.multipliedReportingOverflow(by: 1_000_000_000)
        if nanos.overflow { return .hours(24) }
        return .nanoseconds(max(1, nanos.partialValue + attoseconds / 1_000_000_000))
    }

    /// Transport errors: timeouts and connection problems are retryable; a malformed URL is not.
    static func classify(_ error: any Error) -> ChannelHTTPOutcome {
        if error is CancellationError {
            return .transportFailure(reason: "cancelled", permanent: false)
        }
        if let error = error as? HTTPClientError {
            let timeouts: [HTTPClientError] = [.deadlineExceeded, .readTimeout, .writeTimeout, .connectTimeout, .getConnectionFromPoolTimeout]
            if timeouts.contains(error) {
                return .transportFailure(reason: "timeout", permanent: false)
            }
            if error == .invalidURL || error == .emptyHost || error == .emptyScheme || error == .missingSocketPath
                || error.shortDescription.hasPrefix("unsupportedScheme") {
                return .transportFailure(reason: "invalid gateway URL in configuration", permanent: true)
            }
            if error == .remoteConnectionClosed {
                return .transportFailure(reason: "connection closed by the remote end", permanent: false)
            }
            if error == .cancelled {
                return .transportFailure(reason: "cancelled", permanent: false)
            }
            return .transportFailure(reason: "HTTP client error (\(error.shortDescription))", permanent: false)
        }
        if let reason = connectionReason(error) {
            return .transportFailure(reason: reason, permanent: false)
        }
        if let error = error as? ChannelError, case .connectTimeout = error {
            return .transportFailure(reason: "timeout (connect)", permanent: false)
        }
        return .transportFailure(reason: "transport error (\(String(describing: type(of: error))))", permanent: false)
    }

    /// Connection refused / unreachable, from NIO's connection errors.
    private static func connectionReason(_ error: any Error) -> String? {
        if let error = error as? NIOConnectionError {
            for attempt in error.connectionErrors {
                if let reason = connectionReason(attempt.error) { return reason }
            }
            if let dns = error.dnsAAAAError ?? error.dnsAError { return "DNS lookup failed (\(type(of: dns)))" }
            return "connection failed"
        }
        if let error = error as? IOError {
            switch error.errnoCode {
            case ECONNREFUSED: return "connection refused"
            case ECONNRESET: return "connection reset"
            case EHOSTUNREACH, ENETUNREACH: return "host unreachable"
            case ETIMEDOUT: return "timeout (connect)"
            default: return "I/O error (errno \(error.errnoCode))"
            }
        }
        return nil
    }

    /// `<!DOCTYPE html>` / `<html>` reply: the `<title>` (or `<h1>`) text, else a fixed phrase.
    static func htmlSummary(_ body: String) -> String? {
        let head = body.prefix(1024).trimmingCharacters(in: .whitespacesAndNewlines).lowercased()
        guard head.hasPrefix("<!doctype html") || head.hasPrefix("<html") || head.contains("<html") else { return nil }
        for tag in ["title", "h1"] {
            if let open = body.range(of: "<\(tag)", options: .caseInsensitive),
               let close = body.range(of: ">", range: open.upperBound..<body.endIndex),
               let end = body.range(of: "</\(tag)>", options: .caseInsensitive, range: close.upperBound..<body.endIndex) {
                let text = snippet(String(body[close.upperBound..<end.lowerBound]), limit: 80)
                if !text.isEmpty { return text }
            }
        }
        return "no title"
    }

    /// A reply body as a short single-line text for a reason string.
    static func snippet(_ body: String, limit: Int = 160) -> String {
        var out = ""
        var lastWasSpace = false
        for scalar in body.unicodeScalars {
            if out.unicodeScalars.count >= limit { out += "..."; break }
            if scalar.properties.isWhitespace || scalar.properties.generalCategory == .control {
                if !lastWasSpace, !out.isEmpty { out.unicodeScalars.append(" ") }
                lastWasSpace = true
            } else {
                out.unicodeScalars.append(scalar)
                lastWasSpace = false
            }
        }
        while out.hasSuffix(" ") { out.removeLast() }
        return out
    }

    /// Replaces every occurrence of each secret (and its percent-encoded form) with `***`.
    static func redact(_ text: String, secrets: [String]) -> String {
        var text = text
        for secret in secrets where secret.count >= 3 {
            text = text.replacingOccurrences(of: secret, with: "***")
            let encoded = SMSQueryEncoding.encode(secret)
            if encoded != secret { text = text.replacingOccurrences(of: encoded, with: "***") }
        }
        return text
    }

    /// Maps a non-success HTTP status to retryable (408, 425, 429, 5xx) or permanent (anything else).
    static func failure(status: Int, headers: HTTPHeaders, body raw: String, now: Date, redacting secrets: [String] = []) -> DeliveryResult {
        // Redacted whole before it is shortened: a secret the gateway echoes across the cut
        // would otherwise survive in part.
        let body = redact(raw, secrets: secrets)
        let detail: String
        if let title = htmlSummary(body) {
            detail = "gateway answered an HTML error page (\(title))"
        } else {
            let text = snippet(body)
            detail = text.isEmpty ? "empty reply" : text
        }
        let reason = redact("HTTP \(status): \(detail)", secrets: secrets)
        if status == 408 || status == 425 || status == 429 || (500...599).contains(status) {
            let retryAfter = headers.first(name: "retry-after").flatMap { RetryAfter.parse($0, now: now) }
            return .retryable(reason: reason, retryAfter: retryAfter)
        }
        return .permanent(reason: reason)
    }
}

extension HTTPClientError {
    /// `HTTPClientError.connectTimeout` → `connectTimeout`.
    var shortDescription: String {
        let text = String(describing: self)
        if let dot = text.lastIndex(of: ".") { return String(text[text.index(after: dot)...]) }
        return text
    }
}


/// `Retry-After` header values (RFC 9110 §10.2.3).
public enum RetryAfter {
    /// Delay from `now`: an integer number of seconds, or an HTTP date (IMF-fixdate, RFC 850,
    /// asctime). A date in the past gives zero; garbage gives nil.
    public static func parse(_ value: String, now: Date) -> Duration? {
        let trimmed = value.trimmingCharacters(in: .whitespaces)
        if !trimmed.isEmpty, trimmed.allSatisfy({ $0.isASCII && $0.isNumber }) {
            guard let seconds = Int64(trimmed.prefix(12)) else { return nil }
            return .seconds(seconds)
        }
        guard let date = httpDate(trimmed) else { return nil }
        let delta = date.timeIntervalSince(now)
        return delta <= 0 ? .zero : .seconds(Int64(delta.rounded(.up)))
    }

    private static let months = ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"]

    /// Parses the three HTTP date formats without a (non-Sendable) DateFormatter.
    static func httpDate(_ text: String) -> Date? {
        let parts = text.split(whereSeparator: { $0 == " " || $0 == "," }).map(String.init)
        if parts.count == 6, parts[5].uppercased() == "GMT" {
            // IMF-fixdate: Sun, 06 Nov 1994 08:49:37 GMT
            return build(day: Int(parts[1]), month: monthIndex(parts[2]), year: Int(parts[3]), time: parts[4])
        }
        if parts.count == 4, parts[3].uppercased() == "GMT" {
            // RFC 850: Sunday, 06-Nov-94 08:49:37 GMT
            let dmy = parts[1].split(separator: "-").map(String.init)
            guard dmy.count == 3, let y = Int(dmy[2]) else { return nil }
            let year = y < 100 ? (y < 70 ? 2000 + y : 1900 + y) : y
            return build(day: Int(dmy[0]), month: monthIndex(dmy[1]), year: year, time: parts[2])
        }
        if parts.count == 5 {
            // asctime: Sun Nov  6 08:49:37 1994
            return build(day: Int(parts[2]), month: monthIndex(parts[1]), year: Int(parts[4]), time: parts[3])
        }
        return nil
    }

    private static func monthIndex(_ name: String) -> Int? {
        months.firstIndex(of: name.lowercased()).map { $0 + 1 }
    }

    private static func build(day: Int?, month: Int?, year: Int?, time: String?) -> Date? {
        guard let day, let month, let year, let time else { return nil }
        let hms = time.split(separator: ":").compactMap { Int($0) }
        guard hms.count == 3, (1...31).contains(day), (0...23).contains(hms[0]), (0...59).contains(hms[1]),
              (0...60).contains(hms[2]) else { return nil }
        var components = DateComponents()
        components.year = year; components.month = month; components.day = day
        components.hour = hms[0]; components.minute = hms[1]; components.second = hms[2]
        var calendar = Calendar(identifier: .gregorian)
        guard let utc = TimeZone(identifier: "UTC") else { return nil }
        calendar.timeZone = utc
        return calendar.date(from: components)
    }
}
