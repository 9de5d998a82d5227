import JunctionCore
import Logging
import NIOCore

/// Broker-wide MQTT state: what every connection of the listener shares (the broker, the
/// configuration, the authenticator, the logger and the keep-alive wheel: referenced once here
/// instead of copied into each connection), live connections by client id (for session takeover),
/// the session and retained stores, and timers for session expiry and delayed wills. Lives on the
/// engine loop.
final class MQTTServerState {
    let broker: Broker
    var configuration: MQTTAdapterConfiguration
    let authenticator: any Authenticator
    /// The listener's logger. A connection's metadata is added when a line is logged (at the edges
    /// only) instead of being stored: a logger carrying metadata costs every idle connection ~650 bytes.
    let logger: Logger
    let sessions: any MQTTSessionStore
    let retained: any MQTTRetainedStore
    /// CONNECT and keep-alive deadlines of every connection.
    let deadlines = MQTTDeadlineWheel<MQTTConnectionHandler>()
    var live: [String: MQTTConnectionHandler] = [:]
    var expiryTimers: [String: Scheduled<Void>] = [:]
    var willTimers: [String: Scheduled<Void>] = [:]
    /// Subscriptions asking for no-local; while non-zero, publishes carry their publisher.
    var noLocalSubscriptions = 0

    init(
        broker: Broker,
        configuration: MQTTAdapterConfiguration,
        authenticator: any Authenticator,
        logger: Logger,
        sessions: any MQTTSessionStore,
        retained: any MQTTRetainedStore
    ) {
        self.broker = broker
        self.configuration = configuration
        self.authenticator = authenticator
        self.logger = logger
        self.sessions = sessions
        self.retained = retained
    }

    /// After a restart: sessions whose expiry passed while the broker was down are deleted with
    /// their queues; the others get their expiry timers back for the time left. Expiry counts
    /// from when the session was last seen, capped by `maximumExpiry` (seconds).
    func restoreSessions(host: VirtualHost?, eventLoop: any EventLoop, maximumExpiry: UInt32 = UInt32.max) {
        for restored in self.sessions.restoredSessions() {
            guard let remaining = restored.remainingLifetime(cappedAt: maximumExpiry) else { continue }
            let clientID = restored.record.clientID
            if remaining == .zero {
                Self.expire(clientID: clientID, host: host, server: self)
            } else {
                self.armExpiry(clientID: clientID, after: remaining, host: host, eventLoop: eventLoop)
            }
        }
    }

    /// Deletes the session and its queue when it is still offline after `delay`.
    func armExpiry(clientID: String, after delay: Duration, host: VirtualHost?, eventLoop: any EventLoop) {
        self.expiryTimers[clientID]?.cancel()
        self.expiryTimers[clientID] = eventLoop.assumeIsolated().scheduleTask(in: TimeAmount(delay)) { [unowned self] in
            self.expiryTimers[clientID] = nil
            guard self.live[clientID] == nil else { return }
            Self.expire(clientID: clientID, host: host, server: self)
        }
    }

    private static func expire(clientID: String, host: VirtualHost?, server: MQTTServerState) {
        // When the store cannot delete it (the store logged why), the session and its queue stay
        // together; it is found expired again at the next start.
        server.sessions.stage(.remove(clientID: clientID)) { error in
            guard error == nil, let host else { return }
            // The expired session's own queue: the broker's housekeeping, not a client's operation.
            _ = try? host.deleteQueue(
                queueName(clientID: clientID), ifUnused: false, ifEmpty: false, owner: Self.owner,
                access: AccessContext.trusted(virtualHost: host.name))
        }
    }

    /// The owner named for engine calls made by the adapter itself, not for a connection (session
    /// queues are never exclusive, so the owner is not checked).
    static let owner = ConnectionID(0)

    /// The engine queue holding a session's messages.
    static func queueName(clientID: String) -> String { "mqtt-subscription-\(clientID)" }

    /// Session queues that survived a restart were declared under the limits of their time: each is set to
    /// the current `mqtt.max_queued_*` and `queue_overflow` (an override, applied again at every start),
    /// so a lowered limit applies to every session, as Mosquitto's `max_queued_messages` does.
    static func applySessionLimits(_ limits: MQTTSessionLimits, in host: VirtualHost) {
        let wanted = limits.sessionQueueLengthLimits
        for queue in host.queues where queue.name.hasPrefix(Self.queueName(clientID: "")) {
            guard queue.declaredLengthLimits != wanted else { continue }
            try? host.setOverrides(QueueOverrides(lengthLimits: wanted), of: queue)
        }
    }

    /// The engine queue of a shared subscription group (one per group and filter).
    static func sharedQueueName(group: String, filter: String) -> String {
        MQTTSharedQueueName.name(group: group, filter: filter)
    }
}

@available(*, unavailable)
extension MQTTServerState: Sendable {}

/// The broker-wide state of a listener (which must be `Sendable`), created on first use: the server's
/// `restore`, or the first connection. It lives in a `NIOLoopBoundBox` bound to the engine loop, which
/// checks the loop on every access (the v1 ownership model: the broker and every connection share it).
struct MQTTServerStateCell: Sendable {
    private let state: NIOLoopBoundBox<MQTTServerState?>
    private let configuration: MQTTAdapterConfiguration
    private let authenticator: any Authenticator
    private let logger: Logger
    private let makeSessionStore: @Sendable () -> any MQTTSessionStore
    private let makeRetainedStore: @Sendable () -> any MQTTRetainedStore

    init(
        configuration: MQTTAdapterConfiguration,
        authenticator: any Authenticator,
        logger: Logger,
        makeSessionStore: @escaping @Sendable () -> any MQTTSessionStore,
        makeRetainedStore: @escaping @Sendable () -> any MQTTRetainedStore,
        eventLoop: any EventLoop
    ) {
        self.state = .makeEmptyBox(valueType: MQTTServerState.self, eventLoop: eventLoop)
        self.configuration = configuration
        self.authenticator = authenticator
        self.logger = logger
        self.makeSessionStore = makeSessionStore
        self.makeRetainedStore = makeRetainedStore
    }

    /// The state, created on first use. On the engine loop only.
    func value(broker: Broker) -> MQTTServerState {
        if let state = self.state.value { return state }
        let state = MQTTServerState(
            broker: broker, configuration: self.configuration, authenticator: self.authenticator,
            logger: self.logger, sessions: self.makeSessionStore(), retained: self.makeRetainedStore())
        self.state.value = state
        return state
    }
}
