public import JunctionMQTTCodec

/// One topic filter of a session, as subscribed.
public struct MQTTSessionSubscription: Sendable, Equatable {
    public var subscription: MQTTSubscription
    public var identifier: Int?

    public init(subscription: MQTTSubscription, identifier: Int?) {
        self.subscription = subscription
        self.identifier = identifier
    }
}

/// What survives a disconnect of a session that has not expired. Messages themselves wait in
/// the session's queue in the engine (`mqtt-subscription-<client id>`).
public struct MQTTSessionRecord: Sendable, Equatable {
    public var clientID: String
    /// Filter (as subscribed, `$share/…` included) → subscription.
    public var subscriptions: [String: MQTTSessionSubscription]
    /// Seconds; `UInt32.max` never expires.
    public var expiryInterval: UInt32
    /// QoS 2 packet ids received from the client and not yet released.
    public var inboundAwaitingRelease: Set<UInt16>
    /// QoS 2 packet ids sent to the client and acknowledged by PUBREC, waiting for PUBCOMP.
    public var awaitingCompletion: Set<UInt16>
    /// The user who created the session: a CONNECT by another user with this client id is refused.
    public var owner: String?

    public init(
        clientID: String,
        subscriptions: [String: MQTTSessionSubscription] = [:],
        expiryInterval: UInt32,
        inboundAwaitingRelease: Set<UInt16> = [],
        awaitingCompletion: Set<UInt16> = [],
        owner: String? = nil
    ) {
        self.clientID = clientID
        self.subscriptions = subscriptions
        self.expiryInterval = expiryInterval
        self.inboundAwaitingRelease = inboundAwaitingRelease
        self.awaitingCompletion = awaitingCompletion
        self.owner = owner
    }
}

/// Where persistent sessions are kept between connections. Called on the engine loop.
/// A durable implementation also stamps each save with the time, which `restoredSessions` uses.
/// A write that fails throws and changes nothing (`load` still gives what was stored before), so
/// the adapter can refuse what the client asked for instead of acknowledging state it lost.
public protocol MQTTSessionStore: AnyObject {
    func load(clientID: String) throws -> MQTTSessionRecord?
    func save(_ record: MQTTSessionRecord) throws
    func remove(clientID: String) throws
    /// Replaces a saved session's QoS 2 packet ids in flight (a no-op for a session not saved).
    /// Called at most once per read burst of a connection, when they changed; a durable store
    /// writes them before the burst's PUBREC/PUBCOMP leave, so exactly-once holds across a crash.
    func saveInFlight(clientID: String, inboundAwaitingRelease: Set<UInt16>, awaitingCompletion: Set<UInt16>) throws
    /// Every session kept from before the broker started (none for a store in memory).
    func restoredSessions() -> [MQTTRestoredSession]
    /// Stages a write for the store's next group commit and calls `completion` on the engine loop
    /// once it is stored (nil) or was not (the error; `load` then gives what was stored before).
    /// `load` sees the write at once. A durable store commits the writes staged by every
    /// connection in one transaction on its I/O thread; by default the write is made here and
    /// `completion` runs before `stage` returns.
    func stage(_ write: MQTTSessionWrite, completion: @escaping ((any Error)?) -> Void)
}

/// One write of session state, as staged for a group commit.
public enum MQTTSessionWrite: Sendable, Equatable {
    case save(MQTTSessionRecord)
    /// The session's QoS 2 packet ids in flight (see `saveInFlight`).
    case inFlight(clientID: String, inboundAwaitingRelease: Set<UInt16>, awaitingCompletion: Set<UInt16>)
    case remove(clientID: String)

    public var clientID: String {
        switch self {
        case .save(let record): return record.clientID
        case .inFlight(let clientID, _, _), .remove(let clientID): return clientID
        }
    }

    /// `self` followed by `next` (for the same client) as one write.
    public func followed(by next: MQTTSessionWrite) -> MQTTSessionWrite {
        switch (self, next) {
        case (.save(var record), .inFlight(_, let inbound, let completion)):
            record.inboundAwaitingRelease = inbound
            record.awaitingCompletion = completion
            return .save(record)
        case (.remove, .inFlight):
            // A removed session has no ids to keep.
            return self
        default:
            // A save replaces the whole session (a removal before it included), a removal removes it.
            return next
        }
    }
}

extension MQTTSessionStore {
    public func stage(_ write: MQTTSessionWrite, completion: @escaping ((any Error)?) -> Void) {
        do {
            switch write {
            case .save(let record):
                try self.save(record)
            case .inFlight(let clientID, let inbound, let awaiting):
                try self.saveInFlight(clientID: clientID, inboundAwaitingRelease: inbound, awaitingCompletion: awaiting)
            case .remove(let clientID):
                try self.remove(clientID: clientID)
            }
        } catch {
            completion(error)
            return
        }
        completion(nil)
    }
}

public final class InMemorySessionStore: MQTTSessionStore {
    private var records: [String: MQTTSessionRecord] = [:]

    public init() {}

    public func load(clientID: String) -> MQTTSessionRecord? { self.records[clientID] }
    public func save(_ record: MQTTSessionRecord) { self.records[record.clientID] = record }
    public func remove(clientID: String) { self.records[clientID] = nil }
    public func saveInFlight(clientID: String, inboundAwaitingRelease: Set<UInt16>, awaitingCompletion: Set<UInt16>) {
        self.records[clientID]?.inboundAwaitingRelease = inboundAwaitingRelease
        self.records[clientID]?.awaitingCompletion = awaitingCompletion
    }
    public func restoredSessions() -> [MQTTRestoredSession] { [] }
    public var count: Int { self.records.count }
}

@available(*, unavailable)
extension InMemorySessionStore: Sendable {}
