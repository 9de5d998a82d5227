import Foundation
import JunctionCore
import NIOHTTP1

/// What SQS keeps about a queue beyond the engine's queue: the attributes that are SQS's own
/// (visibility timeout, receive wait, maximum size, timestamps, tags, redrive policy). Retention is
/// the queue's message TTL and the redrive policy its dead-letter target and delivery limit, so
/// those also hold for AMQP, MQTT and STOMP consumers (`SQSQueueSettings`). A queue declared through another protocol has
/// the defaults until SetQueueAttributes changes them.
struct SQSQueueAttributes: Equatable, Codable {
    var visibilityTimeout: Int64 = 30
    var receiveMessageWaitTimeSeconds: Int64 = 0
    var maximumMessageSize: Int64 = 262_144
    var createdTimestamp: Int64
    var lastModifiedTimestamp: Int64
    var tags: [String: String] = [:]
    var redrivePolicy: String?
    /// Which queues may use this one as their dead-letter queue (`SQSRedriveAllowPolicy`).
    var redriveAllowPolicy: String?
    /// Retention set by SetQueueAttributes (seconds); CreateQueue's is the queue's `x-message-ttl`.
    var retentionSeconds: Int64?
    /// Whether SetQueueAttributes changed retention or redrive, so the engine runs the queue with
    /// `SQSQueueSettings.overrides` instead of its arguments (optional: older files lack it).
    var argumentsOverridden: Bool?
    /// A FIFO queue (`SQSFifo`), and its FIFO attributes (nil: not given, the SQS default).
    var fifo: Bool?
    var contentBasedDeduplication: Bool?
    var deduplicationScope: String?
    var fifoThroughputLimit: String?

    init(now: Int64) {
        self.createdTimestamp = now
        self.lastModifiedTimestamp = now
    }

    static let defaultRetentionSeconds: Int64 = 345_600
    static let names: [String] = [
        "ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible", "ApproximateNumberOfMessagesDelayed",
        "CreatedTimestamp", "DelaySeconds", "LastModifiedTimestamp", "MaximumMessageSize", "MessageRetentionPeriod",
        "QueueArn", "ReceiveMessageWaitTimeSeconds", "VisibilityTimeout", "RedrivePolicy", "RedriveAllowPolicy",
        "SqsManagedSseEnabled", "FifoQueue", "ContentBasedDeduplication", "DeduplicationScope", "FifoThroughputLimit",
    ]
}

/// The SQS attributes of every queue, by virtual host and name, kept in one small JSON file in the
/// data directory (written at each change: CreateQueue, SetQueueAttributes, tags; never per message).
final class SQSQueueRegistry {
    private struct Key: Hashable, Codable {
        var virtualHost: String
        var queue: String
    }

    private var attributes: [Key: SQSQueueAttributes] = [:]
    private let path: String?

    init(path: String?) {
        self.path = path
        guard let path, let data = FileManager.default.contents(atPath: path) else { return }
        if let stored = try? JSONDecoder().decode([Stored].self, from: data) {
            for entry in stored {
                self.attributes[Key(virtualHost: entry.virtualHost, queue: entry.queue)] = entry.attributes
            }
        }
    }

    private struct Stored: Codable {
        var virtualHost: String
        var queue: String
        var attributes: SQSQueueAttributes
    }

    func attributes(of queue: MessageQueue, in virtualHost: String, now: Int64) -> SQSQueueAttributes {
        self.attributes[Key(virtualHost: virtualHost, queue: queue.name)] ?? SQSQueueAttributes(now: now)
    }

    func has(_ queue: String, in virtualHost: String) -> Bool {
        self.attributes[Key(virtualHost: virtualHost, queue: queue)] != nil
    }

    func set(_ value: SQSQueueAttributes, of queue: String, in virtualHost: String) throws(SQSError) {
        self.attributes[Key(virtualHost: virtualHost, queue: queue)] = value
        try self.save()
    }

    func remove(_ queue: String, in virtualHost: String) {
        guard self.attributes.removeValue(forKey: Key(virtualHost: virtualHost, queue: queue)) != nil else { return }
        try? self.save()
    }

    /// Every queue's attributes in `virtualHost`, by queue name.
    func entries(in virtualHost: String) -> [(String, SQSQueueAttributes)] {
        self.attributes.compactMap { $0.key.virtualHost == virtualHost ? ($0.key.queue, $0.value) : nil }
    }

    /// Queues whose redrive policy names `arn` as dead-letter target.
    func sources(redrivingTo arn: String, in virtualHost: String) -> [String] {
        self.attributes.compactMap { key, value in
            guard key.virtualHost == virtualHost, let policy = value.redrivePolicy, policy.contains("\"\(arn)\"") else {
                return nil
            }
            return key.queue
        }.sorted()
    }

    private func save() throws(SQSError) {
        guard let path else { return }
        let stored = self.attributes.map {
            Stored(virtualHost: $0.key.virtualHost, queue: $0.key.queue, attributes: $0.value)
        }
        .sorted { ($0.virtualHost, $0.queue) < ($1.virtualHost, $1.queue) }
        do {
            let data = try JSONEncoder().encode(stored)
            // Written aside and renamed, so a crash leaves the old file or the new one, never half of one.
            try data.write(to: URL(fileURLWithPath: path), options: .atomic)
        } catch {
            throw SQSError("InternalError", "cannot store the queue attributes: \(error)", status: .internalServerError)
        }
    }
}
