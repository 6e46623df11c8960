import Foundation
import PoskoApp
import PoskoTesting
import Testing

@Suite struct ConfigLoaderTests {
    @Test func sampleConfigurationsLoadWithTheirAlertSettings() throws {
        for name in ["posko.yaml", "posko.systemd.yaml"] {
            let config = try ConfigLoader.load(path: RepoPaths.path("Config/\(name)"))
            #expect(config.alerts.groupingWindow == 60, "\(name)")
            #expect(config.alerts.coverageThreshold == 0.8, "\(name)")
        }
    }

    @Test func aKannelChannelWaitsForItsDeliveryReportAsLongAsConfigured() throws {
        let yaml = "channels: { kannel: [{ name: k, sendsms_url: 'http://h/s', username: u, password_file: p, dlr_timeout: 2m }, "
            + "{ name: l, sendsms_url: 'http://h/s', username: u, password_file: p }] }"
        let config = try ConfigLoader.parse(Data(yaml.utf8), file: "c.yaml")
        #expect(config.kannel.map(\.dlrTimeout) == [120, 600], "the default is ten minutes")
    }

    @Test(arguments: [
        ("alerts: { coverage_threshold: 1.5 }", "c.yaml:1:31: error: alerts.coverage_threshold must be between 0.0 and 1.0, found 1.5"),
        ("alerts: { grouping_window: soon }", "c.yaml:1:28: error: invalid duration 'soon' for alerts.grouping_window (use e.g. 30m, 6h, 1h30m, 2d)"),
        ("alerts: { threshold: 0.5 }", "c.yaml:1:11: error: unknown key 'threshold' in alerts (expected one of: grouping_window, coverage_threshold)"),
        ("channels: { kannel: [{ name: k, sendsms_url: 'http://h/s', username: u, password_file: p, dlr_timeout: 5s }] }",
         "c.yaml:1:104: error: dlr_timeout must be at least 10s (a gateway needs a moment to report)"),
    ])
    func badAlertSettingsAreRejectedWithTheirLocation(yaml: String, expected: String) {
        do {
            _ = try ConfigLoader.parse(Data(yaml.utf8), file: "c.yaml")
            Issue.record("accepted: \(yaml)")
        } catch {
            #expect(error.description == expected)
        }
    }
}
