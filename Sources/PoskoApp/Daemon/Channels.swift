import AsyncHTTPClient
import Foundation
import Logging
import PoskoDelivery

/// Builds the delivery channels named in the configuration, keyed by route channel
/// (`sms:<name>`, `webhook:<name>`), reading their secrets.
enum Channels {
    /// One client for every channel: the dispatcher owns retries, so the pool does not
    /// retry connecting (a refused connection fails at once), and fan-out to one webhook
    /// host may use many connections.
    static func makeHTTPClient() -> HTTPClient {
        var configuration = HTTPClient.Configuration()
        configuration.connectionPool.retryConnectionEstablishment = false
        configuration.connectionPool.concurrentHTTP1ConnectionsPerHostSoftLimit = 64
        configuration.timeout = .init(connect: .seconds(5), read: .seconds(20))
        return HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
    }

    static func build(_ config: PoskoConfig, client: HTTPClient, environment: [String: String], logger: Logger) throws(StartupError) -> [String: any Notifier] {
        func secret(_ ref: SecretRef, _ what: String) throws(StartupError) -> String {
            do { return try ref.read(environment: environment).value } catch { throw StartupError("\(what): \(error.description)") }
        }
        var out: [String: any Notifier] = [:]
        // Kannel calls the delivery-report URL with the inbound secret, like the MO route.
        let callbackSecret = try config.inboundSMSSecret.map { ref throws(StartupError) in try secret(ref, "inbound_sms") }
        for k in config.kannel {
            var dlr = k.dlrURL
            if let d = dlr, let s = callbackSecret { dlr = d + (d.contains("?") ? "&" : "?") + "secret=" + s }
            let c = KannelConfiguration(name: k.name, sendsmsURL: k.sendsmsURL, username: k.username,
                                        password: try secret(k.password, "kannel channel '\(k.name)'"), from: k.sender, dlrBaseURL: dlr,
                                        reportTimeout: Double(k.dlrTimeout))
            out["sms:\(k.name)"] = KannelNotifier(configuration: c, httpClient: client, logger: logger)
        }
        for h in config.httpSMS {
            var secrets: [String: String] = [:]
            if let ref = h.secret { secrets["secret"] = try secret(ref, "http_sms channel '\(h.name)'") }
            let c = HTTPSMSGatewayConfiguration(name: h.name, method: h.method, urlTemplate: h.url, bodyTemplate: h.body, headers: h.headers,
                                                secrets: secrets, successBodyPattern: h.successPattern)
            do {
                out["sms:\(h.name)"] = try HTTPSMSGatewayNotifier(configuration: c, httpClient: client, logger: logger)
            } catch {
                throw StartupError("http_sms channel '\(h.name)': \(error)")
            }
        }
        for w in config.webhooks {
            var secrets: [WebhookSecret] = []
            for ref in w.secrets {
                do { secrets.append(try WebhookSecret(try secret(ref, "webhook '\(w.name)'"))) } catch let e as StartupError { throw e } catch {
                    throw StartupError("webhook '\(w.name)': secret from \(ref) is not a whsec_ secret")
                }
            }
            out["webhook:\(w.name)"] = WebhookNotifier(endpoint: WebhookEndpoint(name: w.name, url: w.url, secrets: secrets),
                                                       httpClient: client, now: { Date() }, logger: logger)
        }
        return out
    }
}
