import JunctionCore
import NIOCore

/// Broker-wide MQTT state: live connections by client id (for session takeover), the session and
/// retained stores, and timers for session expiry and delayed wills. Lives on the engine loop.
final class MQTTServerState {
    let sessions: any MQTTSessionStore
    let retained: any MQTTRetainedStore
    var live: [String: MQTTConnectionHandler] = [:]
    var expiryTimers: [String: Scheduled<Void>] = [:]
    var willTimers: [String: Scheduled<Void>] = [:]
    /// Subscriptions asking for no-local; while non-zero, publishes carry their publisher.
    var noLocalSubscriptions = 0

    init(sessions: any MQTTSessionStore, retained: any MQTTRetainedStore) {
        self.sessions = sessions
        self.retained = retained
    }

    /// The engine queue holding a session's messages.
    static func queueName(clientID: String) -> String { "mqtt-subscription-\(clientID)" }

    /// The engine queue of a shared subscription group (one per group and filter).
    static func sharedQueueName(group: String, filter: String) -> String { "mqtt-shared-\(group)-\(filter)" }
}

@available(*, unavailable)
extension MQTTServerState: Sendable {}

/// Holds the broker-wide state for the listener, which must be `Sendable`. Only touched on the
/// engine loop (the v1 ownership model: the broker and every connection share one loop).
final class MQTTServerStateBox: @unchecked Sendable {
    private var state: MQTTServerState?
    private let makeSessionStore: @Sendable () -> any MQTTSessionStore
    private let makeRetainedStore: @Sendable () -> any MQTTRetainedStore

    init(
        makeSessionStore: @escaping @Sendable () -> any MQTTSessionStore,
        makeRetainedStore: @escaping @Sendable () -> any MQTTRetainedStore
    ) {
        self.makeSessionStore = makeSessionStore
        self.makeRetainedStore = makeRetainedStore
    }

    func value() -> MQTTServerState {
        if let state = self.state { return state }
        let state = MQTTServerState(sessions: self.makeSessionStore(), retained: self.makeRetainedStore())
        self.state = state
        return state
    }
}
