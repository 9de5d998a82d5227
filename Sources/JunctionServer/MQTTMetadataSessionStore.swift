import JunctionCore
import JunctionMQTT
import JunctionMQTTCodec
import JunctionStorage
import Logging

/// Persistent MQTT sessions in the metadata store (SQLite), so they survive a restart. Every save
/// is stamped with the time: after a restart a session's expiry counts from then. Messages are not
/// here: they wait in the session's durable queue. On the engine loop.
///
/// The QoS 2 packet ids in flight (`inboundAwaitingRelease`, `awaitingCompletion`) are stored with
/// the session (schema v2), at most once per read burst of its connection.
///
/// Group commit (`stage`): connections stage their writes; the writes staged during one turn of
/// the engine loop (every read burst of it) go to SQLite in one transaction (one fsync,
/// `synchronous = FULL`) on the I/O thread, each in its own savepoint so that one refused write
/// fails only its own client; while a commit runs the next one accumulates. The staged state is
/// what `load` sees at once (a takeover reads what the connection it replaces staged); a write
/// that failed is forgotten and read back from the store.
final class MQTTMetadataSessionStore: MQTTSessionStore {
    private let metadata: MetadataStore
    private let ioThread: IOThread?
    private let virtualHost: String
    private let clock: any BrokerClock
    private let logger: Logger
    /// Sessions of this run as staged (nil value: removed), with their in-flight packet ids.
    private var cache: [String: JunctionMQTT.MQTTSessionRecord?] = [:]
    /// Writes waiting for the next commit, by client, merged, with whoever waits for them.
    private var pending: [String: (write: MQTTSessionWrite, completions: [((any Error)?) -> Void])] = [:]
    private var commitRunning = false
    private var commitScheduled = false

    init(
        metadata: MetadataStore, ioThread: IOThread? = nil, virtualHost: String, clock: any BrokerClock, logger: Logger
    ) {
        self.metadata = metadata
        self.ioThread = ioThread
        self.virtualHost = virtualHost
        self.clock = clock
        self.logger = logger
    }

    func load(clientID: String) throws -> JunctionMQTT.MQTTSessionRecord? {
        if let cached = self.cache[clientID] { return cached }
        do {
            return try self.metadata.mqttSession(virtualHost: self.virtualHost, clientID: clientID).map(
                Self.record(from:))
        } catch {
            self.logger.error(
                "loading an MQTT session failed", metadata: ["client": "\(clientID)", "error": "\(error)"])
            throw error
        }
    }

    // A failed write is logged here (once, at the edge) and thrown to the adapter, which refuses
    // what the client asked for; the cache keeps what the store holds.

    func save(_ record: JunctionMQTT.MQTTSessionRecord) throws {
        do {
            try self.metadata.saveMQTTSession(self.stored(record))
        } catch {
            self.logger.error(
                "saving an MQTT session failed", metadata: ["client": "\(record.clientID)", "error": "\(error)"])
            throw error
        }
        self.cache[record.clientID] = record
    }

    func saveInFlight(clientID: String, inboundAwaitingRelease: Set<UInt16>, awaitingCompletion: Set<UInt16>) throws {
        do {
            try self.metadata.updateMQTTSessionInFlight(
                virtualHost: self.virtualHost,
                clientID: clientID,
                inboundAwaitingRelease: inboundAwaitingRelease,
                awaitingCompletion: awaitingCompletion,
                lastSeenMilliseconds: self.clock.nowMilliseconds()
            )
        } catch {
            self.logger.error(
                "saving an MQTT session's QoS 2 state failed", metadata: ["client": "\(clientID)", "error": "\(error)"])
            throw error
        }
        self.cache[clientID]??.inboundAwaitingRelease = inboundAwaitingRelease
        self.cache[clientID]??.awaitingCompletion = awaitingCompletion
    }

    func remove(clientID: String) throws {
        do {
            try self.metadata.deleteMQTTSession(virtualHost: self.virtualHost, clientID: clientID)
        } catch {
            self.logger.error(
                "deleting an MQTT session failed", metadata: ["client": "\(clientID)", "error": "\(error)"])
            throw error
        }
        self.cache[clientID] = nil
    }

    func stage(_ write: MQTTSessionWrite, completion: @escaping ((any Error)?) -> Void) {
        guard let ioThread = self.ioThread else {
            // No I/O thread (a store used before the server started): written here.
            self.stageInline(write, completion: completion)
            return
        }
        let clientID = write.clientID
        switch write {
        case .save(let record): self.cache[clientID] = .some(record)
        case .remove: self.cache[clientID] = .some(nil)
        case .inFlight(_, let inbound, let awaiting):
            if case .some(.some(var record)) = self.cache[clientID] {
                record.inboundAwaitingRelease = inbound
                record.awaitingCompletion = awaiting
                self.cache[clientID] = .some(record)
            }
        }
        if let existing = self.pending[clientID] {
            self.pending[clientID] = (existing.write.followed(by: write), existing.completions + [completion])
        } else {
            self.pending[clientID] = (write, [completion])
        }
        guard !self.commitRunning, !self.commitScheduled else { return }
        self.commitScheduled = true
        ioThread.onLoopSoon { [self] in
            self.commitScheduled = false
            self.commit()
        }
    }

    private func stageInline(_ write: MQTTSessionWrite, completion: @escaping ((any Error)?) -> Void) {
        do {
            switch write {
            case .save(let record): try self.save(record)
            case .remove(let clientID): try self.remove(clientID: clientID)
            case .inFlight(let clientID, let inbound, let awaiting):
                try self.saveInFlight(clientID: clientID, inboundAwaitingRelease: inbound, awaitingCompletion: awaiting)
            }
        } catch {
            completion(error)
            return
        }
        completion(nil)
    }

    /// One transaction for everything staged since the last commit, on the I/O thread.
    private func commit() {
        guard let ioThread = self.ioThread, !self.commitRunning, !self.pending.isEmpty else { return }
        let batch = self.pending
        self.pending.removeAll(keepingCapacity: true)
        self.commitRunning = true
        let now = self.clock.nowMilliseconds()
        let writes = batch.map { clientID, entry in (clientID, self.storedWrite(entry.write, now: now)) }
        let metadata = SharedMetadataStore(metadata)
        ioThread.run({ try metadata.commit(writes) }) { [self] result in
            self.commitRunning = false
            for (clientID, entry) in batch {
                let failure: (any Error)?
                switch result {
                case .success(let failures): failure = failures[clientID]
                case .failure(let error): failure = error
                }
                if let failure {
                    self.logger.error(
                        "saving an MQTT session failed", metadata: ["client": "\(clientID)", "error": "\(failure)"])
                    // Read back from the store next time, unless a newer write is staged.
                    if self.pending[clientID] == nil { self.cache[clientID] = nil }
                }
                for completion in entry.completions { completion(failure) }
            }
            // What was staged while this commit ran goes next.
            self.commit()
        }
    }

    private func storedWrite(_ write: MQTTSessionWrite, now: UInt64) -> StoredSessionWrite {
        switch write {
        case .save(let record): return .save(self.stored(record))
        case .remove(let clientID): return .remove(virtualHost: self.virtualHost, clientID: clientID)
        case .inFlight(let clientID, let inbound, let awaiting):
            return .inFlight(
                virtualHost: self.virtualHost, clientID: clientID, inbound: inbound, awaiting: awaiting, lastSeen: now)
        }
    }

    func restoredSessions() -> [MQTTRestoredSession] {
        let now = self.clock.nowMilliseconds()
        do {
            return try self.metadata.loadAll().mqttSessions
                .filter { $0.virtualHost == self.virtualHost }
                .map { stored in
                    let offline = now > stored.lastSeenMilliseconds ? now - stored.lastSeenMilliseconds : 0
                    return MQTTRestoredSession(
                        record: Self.record(from: stored), offline: .milliseconds(Int64(clamping: offline)))
                }
        } catch {
            self.logger.error("loading MQTT sessions failed", metadata: ["error": "\(error)"])
            return []
        }
    }

    private func stored(_ record: JunctionMQTT.MQTTSessionRecord) -> JunctionStorage.MQTTSessionRecord {
        JunctionStorage.MQTTSessionRecord(
            virtualHost: self.virtualHost,
            clientID: record.clientID,
            cleanStart: false,
            expiryIntervalSeconds: record.expiryInterval,
            protocolLevel: 0,
            lastSeenMilliseconds: self.clock.nowMilliseconds(),
            subscriptions: record.subscriptions.values.map { entry in
                MQTTSubscriptionRecord(
                    topicFilter: entry.subscription.filter,
                    qos: entry.subscription.qos.rawValue,
                    noLocal: entry.subscription.noLocal,
                    retainAsPublished: entry.subscription.retainAsPublished,
                    retainHandling: entry.subscription.retainHandling.rawValue,
                    subscriptionIdentifier: entry.identifier.map { UInt32(clamping: $0) }
                )
            },
            inboundAwaitingRelease: record.inboundAwaitingRelease,
            awaitingCompletion: record.awaitingCompletion,
            owner: record.owner
        )
    }

    private static func record(from stored: JunctionStorage.MQTTSessionRecord) -> JunctionMQTT.MQTTSessionRecord {
        var subscriptions: [String: MQTTSessionSubscription] = [:]
        for entry in stored.subscriptions {
            let subscription = MQTTSubscription(
                filter: entry.topicFilter,
                qos: MQTTQoS(rawValue: entry.qos) ?? .atMostOnce,
                noLocal: entry.noLocal,
                retainAsPublished: entry.retainAsPublished,
                retainHandling: MQTTSubscription.RetainHandling(rawValue: entry.retainHandling) ?? .sendOnSubscribe
            )
            subscriptions[entry.topicFilter] = MQTTSessionSubscription(
                subscription: subscription,
                identifier: entry.subscriptionIdentifier.map { Int($0) }
            )
        }
        return JunctionMQTT.MQTTSessionRecord(
            clientID: stored.clientID,
            subscriptions: subscriptions,
            expiryInterval: stored.expiryIntervalSeconds,
            inboundAwaitingRelease: stored.inboundAwaitingRelease,
            awaitingCompletion: stored.awaitingCompletion,
            owner: stored.owner
        )
    }
}

@available(*, unavailable)
extension MQTTMetadataSessionStore: Sendable {}

/// A session write as the I/O thread applies it.
enum StoredSessionWrite: Sendable {
    case save(JunctionStorage.MQTTSessionRecord)
    case inFlight(virtualHost: String, clientID: String, inbound: Set<UInt16>, awaiting: Set<UInt16>, lastSeen: UInt64)
    case remove(virtualHost: String, clientID: String)
}

/// The metadata store handed to the I/O thread. GRDB's `DatabaseQueue` serializes every access to
/// the connection, so a commit there and the loop's own (rarer) writes take turns; the store is
/// otherwise used on the loop only.
struct SharedMetadataStore: @unchecked Sendable {
    private let store: MetadataStore

    init(_ store: MetadataStore) {
        self.store = store
    }

    /// Applies every write in one transaction, each in a savepoint; returns the writes that failed.
    func commit(_ writes: [(String, StoredSessionWrite)]) throws -> [String: any Error] {
        try self.store.write { transaction in
            var failures: [String: any Error] = [:]
            for (clientID, write) in writes {
                do {
                    try transaction.savepoint {
                        switch write {
                        case .save(let record):
                            try transaction.saveMQTTSession(record)
                        case .inFlight(let virtualHost, let clientID, let inbound, let awaiting, let lastSeen):
                            try transaction.updateMQTTSessionInFlight(
                                virtualHost: virtualHost, clientID: clientID, inboundAwaitingRelease: inbound,
                                awaitingCompletion: awaiting, lastSeenMilliseconds: lastSeen)
                        case .remove(let virtualHost, let clientID):
                            try transaction.deleteMQTTSession(virtualHost: virtualHost, clientID: clientID)
                        }
                    }
                } catch {
                    failures[clientID] = error
                }
            }
            return failures
        }
    }
}
