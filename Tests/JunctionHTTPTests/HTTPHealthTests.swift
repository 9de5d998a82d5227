import JunctionCore
import Testing

@testable import JunctionHTTP

@Suite struct HTTPHealthTests {
    /// A harness whose broker finished start-up, as the server marks it.
    private func startedHarness() throws -> HTTPHarness {
        let harness = try HTTPHarness()
        harness.broker.readiness.storageRecovered = true
        harness.broker.readiness.listenersBound = true
        return harness
    }

    @Test func probesNeedNoCredentials() throws {
        let harness = try self.startedHarness()
        let live = try harness.request("GET", "/api/health/live", headers: "")
        #expect(live.status == 200)
        #expect(live.json?["status"] == .string("ok"))
        let ready = try harness.request("GET", "/api/health/ready", headers: "")
        #expect(ready.status == 200)
        #expect(ready.json?["checks"]?["listeners"] == .string("ok"))
        // The credentialed RabbitMQ check is still credentialed.
        #expect(try harness.request("GET", "/api/health/checks/alarms", headers: "").status == 401)
    }

    @Test func notReadyBeforeTheListenersAreBound() throws {
        let harness = try HTTPHarness()
        harness.broker.readiness.storageRecovered = true
        let ready = try harness.request("GET", "/api/health/ready", headers: "")
        #expect(ready.status == 503)
        #expect(ready.json?["status"] == .string("failed"))
        #expect(ready.json?["checks"]?["listeners"] == .string("failed"))
        #expect(ready.json?["checks"]?["storage"] == .string("ok"))
        #expect(ready.json?["reason"]?.stringValue?.contains("listener") == true)
        // Alive all the same.
        #expect(try harness.request("GET", "/api/health/live", headers: "").status == 200)
    }

    @Test func notReadyDuringAnAlarmOrAStop() throws {
        let harness = try self.startedHarness()
        harness.broker.resourceAlarms = ["disk"]
        let alarmed = try harness.request("GET", "/api/health/ready", headers: "")
        #expect(alarmed.status == 503)
        #expect(alarmed.json?["checks"]?["alarms"] == .string("failed"))
        #expect(alarmed.json?["reason"]?.stringValue?.contains("disk") == true)
        harness.broker.resourceAlarms = []
        #expect(try harness.request("GET", "/api/health/ready", headers: "").status == 200)
        harness.broker.readiness.stopping = true
        let stopping = try harness.request("GET", "/api/health/ready", headers: "")
        #expect(stopping.status == 503)
        #expect(stopping.json?["checks"]?["shutdown"] == .string("failed"))
    }

    @Test func probesAnswerOnlyGetAndHead() throws {
        let harness = try self.startedHarness()
        #expect(try harness.request("POST", "/api/health/ready", headers: "").status == 405)
        #expect(HTTPRoute(path: ["api", "health", "live"]) == .healthLive)
        #expect(HTTPRoute(path: ["api", "health", "ready"]) == .healthReady)
        #expect(HTTPRoute(path: ["api", "health", "other"]) == nil)
    }
}
