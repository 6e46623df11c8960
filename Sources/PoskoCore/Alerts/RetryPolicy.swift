import Foundation

/// When to try a message again: capped exponential backoff with jitter, a server's
/// `Retry-After` honoured, and failover to the next channel after a number of tries.
public struct RetryPolicy: Sendable, Codable, Equatable {
    public var base: Double
    public var cap: Double
    /// Tries on one channel before failing over to the next.
    public var attemptsPerChannel: Int
    /// Random spread of each delay: 0.2 means ±20 %.
    public var jitter: Double
    /// How long an alert keeps being retried while its channels only fail temporarily (a
    /// gateway restarting, an SMSC outage): after the last channel's tries it starts again at
    /// the first, `cap` later, until the alert is this old. Only then is it failed.
    public var giveUpAfter: Double

    public init(base: Double = 2, cap: Double = 300, attemptsPerChannel: Int = 5, jitter: Double = 0.2, giveUpAfter: Double = 24 * 3600) {
        self.base = base
        self.cap = cap
        self.attemptsPerChannel = attemptsPerChannel
        self.jitter = jitter
        self.giveUpAfter = giveUpAfter
    }

    /// Seconds to wait after failed attempt number `attempt` (1-based). `unit` is a random
    /// number in [0, 1) supplied by the caller (seeded in drills).
    public func delay(afterAttempt attempt: Int, retryAfter: Double?, unit: Double) -> Double {
        if let retryAfter { return min(max(retryAfter, 0), cap * 4) }
        let raw = min(cap, base * pow(2, Double(max(0, attempt - 1))))
        return max(0.05, raw * (1 + jitter * (2 * unit - 1)))
    }
}

/// A short reply code for `OK <kode>`: four characters that are hard to mistype.
public enum AckCode {
    static let alphabet = Array("ACDEFHJKLMNPRTUVWXY3479")

    public static func make(from reference: String, salt: Int = 0) -> String {
        var h = FNV1a64()
        h.combine(reference)
        h.combine("\(salt)")
        var v = UInt64(h.hex, radix: 16) ?? 0
        var out = ""
        for _ in 0..<4 {
            out.append(alphabet[Int(v % UInt64(alphabet.count))])
            v /= UInt64(alphabet.count)
        }
        return out
    }
}
