import JunctionCore
import JunctionMQTT
import JunctionStorage
import Logging

/// Persistent MQTT sessions in the metadata store (SQLite), so they survive a restart. Every save
/// is stamped with the time: after a restart a session's expiry counts from then. Messages are not
/// here: they wait in the session's durable queue. On the engine loop.
///
/// The QoS 2 packet ids in flight (`inboundAwaitingRelease`, `awaitingCompletion`) are stored with
/// the session (schema v2), at most once per read burst of its connection (`saveInFlight`): one
/// SQLite commit (fsynced, `synchronous = FULL`) for a burst that changed them.
final class MQTTMetadataSessionStore: MQTTSessionStore {
    private let metadata: MetadataStore
    private let virtualHost: String
    private let clock: any BrokerClock
    private let logger: Logger
    /// Sessions of this run, with their in-flight packet ids.
    private var cache: [String: JunctionMQTT.MQTTSessionRecord] = [:]

    init(metadata: MetadataStore, virtualHost: String, clock: any BrokerClock, logger: Logger) {
        self.metadata = metadata
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
        self.cache[clientID]?.inboundAwaitingRelease = inboundAwaitingRelease
        self.cache[clientID]?.awaitingCompletion = awaitingCompletion
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
