import Foundation
import PoskoTesting
import Testing

/// kill -9 of the daemon in the middle of fan-out, 20 times: afterwards every alert has
/// reached the gateway (nothing lost), none was created twice, and a re-send carries the
/// same reference as the first send.
@Suite(.serialized) struct KillNineTests {
    @Test func twentyKillsDuringFanOutLoseNothing() async throws {
        let received = LockedBox<[String]>([])
        let gateway = try await LoopbackHTTPRecorder.start(recording: false) { request in
            if let ref = request.query?.split(separator: "&").first(where: { $0.hasPrefix("ref=") }) {
                received.mutate { $0.append(String(ref.dropFirst(4))) }
            }
            return CannedResponse(status: 200, body: "OK", delay: .milliseconds(15))
        }
        defer { Task { await gateway.shutdown() } }
        let config = DaemonProcess.defaultConfig.replacingOccurrences(of: "channels:\n", with: """
            channels:
              sms_order: [gw]
              http_sms:
                - { name: gw, method: GET, url: "\(gateway.baseURL)/send?to={to}&ref={reference}&text={text}" }

            """)
        let first = try DaemonProcess(configText: config)
        defer { first.stop() }
        var declared = 0
        var rng = SystemRandomNumberGenerator()
        let areas = ["12.75.01", "12.75.02", "12.75.03", "12.75.04", "12.75.05"]
        // Twenty different emergencies (a hazard already declared over an area is refused).
        let hazards = ["banjir", "tanah_longsor", "angin_kencang", "cuaca_ekstrem"]
        for round in 0..<20 {
            let daemon = round == 0 ? first : try DaemonProcess(reusing: first)
            try await daemon.start()
            let (status, _) = try await daemon.call(.POST, "/v1/emergencies", body: #"{"hazard":"\#(hazards[round / 5])","areas":["\#(areas[round % 5])"]}"#)
            if status == 201 { declared += 1 }
            try await Task.sleep(for: .milliseconds(Int.random(in: 20...250, using: &rng)))
            daemon.signal(SIGKILL)
            _ = try await daemon.waitForExit()
        }
        // A last run drains the outbox.
        let last = try DaemonProcess(reusing: first)
        try await last.start()
        var pending = -1
        for _ in 0..<300 {
            let body = try await last.call(.GET, "/v1/messages?limit=2000", token: TestTokens.viewer).1
            let list = ((try JSONSerialization.jsonObject(with: Data(body.utf8)) as? [String: Any])?["messages"] as? [[String: Any]]) ?? []
            // (BPBD's webhook points at a closed port in this config and keeps retrying; only SMS counts.)
            pending = list.filter { ($0["channel"] as? String)?.hasPrefix("sms:") == true && ["pending", "sending"].contains($0["state"] as? String ?? "") }.count
            if pending == 0 && !list.isEmpty { break }
            try await Task.sleep(for: .milliseconds(100))
        }
        #expect(pending == 0)
        let body = try await last.call(.GET, "/v1/messages?limit=2000", token: TestTokens.viewer).1
        let list = ((try JSONSerialization.jsonObject(with: Data(body.utf8)) as? [String: Any])?["messages"] as? [[String: Any]]) ?? []
        let smsIDs = Set(list.filter { ($0["channel"] as? String)?.hasPrefix("sms:") == true }.compactMap { $0["id"] as? String })
        let got = received.value
        #expect(declared == 20)
        // Every alert of every declaration exists once: lurah of each kelurahan plus the camat.
        let expectedPerDeclaration: [Int] = [10, 8, 7, 8, 9]
        var expected = 0
        for round in 0..<20 { expected += expectedPerDeclaration[round % 5] }
        #expect(smsIDs.count == expected)
        // Nothing lost: every message reached the gateway; duplicates only carry a known id.
        #expect(smsIDs.isSubset(of: Set(got)), "lost: \(smsIDs.subtracting(got).sorted().prefix(5))")
        #expect(Set(got).isSubset(of: smsIDs))
        let duplicates = got.count - Set(got).count
        print("kill -9 ×20: \(smsIDs.count) messages, \(got.count) gateway calls, \(duplicates) re-sends with the same id")
        last.signal(SIGTERM)
        _ = try await last.waitForExit()
    }
}
