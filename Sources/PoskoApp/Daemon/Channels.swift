import Foundation
import Logging
import PoskoDelivery

/// Builds the delivery channels named in the configuration, keyed by route channel
/// (`sms:<name>`, `webhook:<name>`), reading their secrets.
enum Channels {
    static func build(_ config: PoskoConfig, environment: [String: String], logger: Logger) throws(StartupError) -> [String: any Notifier] {
        [:]
    }
}
