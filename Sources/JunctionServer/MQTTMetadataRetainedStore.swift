import JunctionCore
import JunctionMQTT
import JunctionMQTTCodec
import JunctionModel
import JunctionStorage
import Logging
import NIOCore

/// Retained MQTT messages in the metadata store (SQLite), matched through an in-memory topic trie
/// that is rebuilt from the store when the broker starts. The payload is stored as it is; the rest
/// of the message (properties, headers) as a `MessageRecordCodec` record with an empty body.
/// On the engine loop.
final class MQTTMetadataRetainedStore: MQTTRetainedStore {
    private let metadata: MetadataStore
    private let virtualHost: String
    private let clock: any BrokerClock
    private let logger: Logger
    private let index = InMemoryRetainedStore()

    init(metadata: MetadataStore, virtualHost: String, clock: any BrokerClock, logger: Logger) {
        self.metadata = metadata
        self.virtualHost = virtualHost
        self.clock = clock
        self.logger = logger
        do {
            for stored in try metadata.mqttRetainedMessages(virtualHost: virtualHost) {
                guard let message = Self.message(from: stored) else {
                    logger.warning("skipped an unreadable retained message", metadata: ["topic": "\(stored.topic)"])
                    continue
                }
                self.index.retain(message)
            }
        } catch {
            logger.error("loading retained MQTT messages failed", metadata: ["error": "\(error)"])
        }
        if self.index.count > 0 {
            logger.info("retained MQTT messages restored", metadata: ["count": "\(self.index.count)"])
        }
    }

    var count: Int { self.index.count }
    var payloadBytes: Int { self.index.payloadBytes }

    func payloadSize(topic: String) -> Int? {
        self.index.payloadSize(topic: topic)
    }

    func retain(_ message: MQTTRetainedMessage) {
        self.index.retain(message)
        var header = message.message
        let payload = Array(header.body.readableBytesView)
        header.body = ByteBuffer()
        let record = MQTTRetainedMessageRecord(
            virtualHost: self.virtualHost,
            topic: message.topic,
            payload: payload,
            qos: message.qos.rawValue,
            properties: Array(MessageRecordCodec.encode(header).readableBytesView),
            storedAtMilliseconds: self.clock.nowMilliseconds()
        )
        do {
            try self.metadata.retainMQTTMessage(record)
        } catch {
            self.logger.error(
                "storing a retained MQTT message failed", metadata: ["topic": "\(message.topic)", "error": "\(error)"])
        }
    }

    func remove(topic: String) {
        self.index.remove(topic: topic)
        do {
            try self.metadata.deleteMQTTRetainedMessage(virtualHost: self.virtualHost, topic: topic)
        } catch {
            self.logger.error(
                "deleting a retained MQTT message failed", metadata: ["topic": "\(topic)", "error": "\(error)"])
        }
    }

    func matching(filter: String) -> [MQTTRetainedMessage] {
        self.index.matching(filter: filter)
    }

    private static func message(from stored: MQTTRetainedMessageRecord) -> MQTTRetainedMessage? {
        guard let qos = MQTTQoS(rawValue: stored.qos),
            var message = try? MessageRecordCodec.decode(ByteBuffer(bytes: stored.properties))
        else { return nil }
        message.body = ByteBuffer(bytes: stored.payload)
        return MQTTRetainedMessage(topic: stored.topic, qos: qos, message: message)
    }
}

@available(*, unavailable)
extension MQTTMetadataRetainedStore: Sendable {}
