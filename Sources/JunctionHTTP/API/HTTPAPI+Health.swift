import JunctionCore
import NIOHTTP1

/// Probes for orchestrators and load balancers, served without credentials (a kubelet or systemd
/// has none): `GET /api/health/live` and `GET /api/health/ready`. They say only whether the broker
/// serves and why not; nothing about queues, users or connections. RabbitMQ's credentialed checks
/// (`/api/health/checks/alarms`, `/api/aliveness-test/{vhost}`) stay as they are.
extension HTTPAPI {
    /// The process answers HTTP on its engine loop: 200 whenever this code runs at all.
    static func liveness() -> HTTPResponse {
        .json(.object([("status", .string("ok"))]))
    }

    /// 200 when storage was recovered, every listener is bound, no resource alarm is in effect, the
    /// message store syncs and no stop is under way; otherwise 503 with each failing check's reason.
    func readiness() -> HTTPResponse {
        let readiness = self.broker.readiness
        let alarms = self.broker.resourceAlarms.sorted()
        let checks: [(name: String, failure: String?)] = [
            ("storage", readiness.storageRecovered ? nil : "storage recovery has not finished"),
            ("listeners", readiness.listenersBound ? nil : "not every listener is bound yet"),
            ("alarms", alarms.isEmpty ? nil : "resource alarm(s) in effect: \(alarms.joined(separator: ", "))"),
            ("message_store", self.broker.durability.isFailing ? "the message store cannot sync to disk" : nil),
            ("shutdown", readiness.stopping ? "the broker is stopping" : nil),
        ]
        let failures = checks.compactMap(\.failure)
        let report = JSONValue.object(checks.map { ($0.name, .string($0.failure == nil ? "ok" : "failed")) })
        if failures.isEmpty {
            return .json(.object([("status", .string("ok")), ("checks", report)]))
        }
        return .json(
            .object([
                ("status", .string("failed")), ("reason", .string(failures.joined(separator: "; "))),
                ("checks", report),
            ]),
            status: .serviceUnavailable
        )
    }
}
