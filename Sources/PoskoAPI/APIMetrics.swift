import Foundation
import Metrics
import NIOConcurrencyHelpers
import Prometheus

/// Posko's metrics on one Prometheus registry (no global MetricsSystem, so tests can each
/// have their own). Recorded through swift-metrics, rendered as Prometheus text at /metrics.
public final class PoskoMetrics: Sendable {
    public let registry: PrometheusCollectorRegistry
    public let factory: PrometheusMetricsFactory
    private let cache = NIOLockedValueBox<[String: Metrics.Counter]>([:])

    public init(version: String = PoskoMetrics.version) {
        registry = PrometheusCollectorRegistry()
        factory = PrometheusMetricsFactory(registry: registry)
        Metrics.Gauge(label: "posko_build_info", dimensions: [("version", version)], factory: factory).record(1)
    }

    public static let version = "0.1.0"

    public func counter(_ label: String, _ dimensions: [(String, String)] = []) -> Metrics.Counter {
        let key = label + dimensions.map { "|\($0.0)=\($0.1)" }.joined()
        return cache.withLockedValue { cache in
            if let c = cache[key] { return c }
            let c = Metrics.Counter(label: label, dimensions: dimensions, factory: factory)
            cache[key] = c
            return c
        }
    }

    public func timer(_ label: String, _ dimensions: [(String, String)] = []) -> Metrics.Timer {
        Metrics.Timer(label: label, dimensions: dimensions, factory: factory)
    }

    public func gauge(_ label: String, _ dimensions: [(String, String)] = []) -> Metrics.Gauge {
        Metrics.Gauge(label: label, dimensions: dimensions, factory: factory)
    }

    private let activeEmergencyLabels = NIOLockedValueBox<Set<[String]>>([])

    /// `posko_emergencies_active{hazard, source}` from the emergencies active now, however they
    /// were opened (API, CAP alert or feed, live drill); a label set that has none left reads 0.
    public func recordActiveEmergencies(_ counts: [[String]: Int]) {
        activeEmergencyLabels.withLockedValue { seen in
            seen.formUnion(counts.keys)
            for labels in seen where labels.count == 2 {
                gauge("posko_emergencies_active", [("hazard", labels[0]), ("source", labels[1])]).record(counts[labels] ?? 0)
            }
        }
    }

    public func render() -> String {
        var buffer: [UInt8] = []
        registry.emit(into: &buffer)
        return String(decoding: buffer, as: UTF8.self)
    }
}
