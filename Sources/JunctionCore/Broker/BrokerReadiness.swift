/// Start-up and shutdown milestones the readiness probe (`GET /api/health/ready`) reports. The
/// server sets them on the engine loop; the engine itself never reads them.
public struct BrokerReadiness: Sendable, Equatable {
    /// The stores were opened and the durable definitions, users and messages restored.
    public var storageRecovered = false
    /// Every configured listener is bound and accepting connections.
    public var listenersBound = false
    /// A graceful stop began: the broker is draining and takes no new work.
    public var stopping = false

    public init() {}
}
