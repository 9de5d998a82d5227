public import JunctionCore
public import JunctionModel

/// Bounds on what MQTT clients can make the broker hold for them: queued messages per session (as
/// Mosquitto's `max_queued_messages` / `max_queued_bytes`) and retained messages in total. 0: no limit.
public struct MQTTSessionLimits: Sendable, Hashable {
    /// What a full session queue does with one more message: RabbitMQ's `x-overflow` values.
    public enum QueueOverflow: String, Sendable, Hashable, CaseIterable {
        /// The oldest queued message goes (counted as dead-lettered, reason maxlen).
        case dropHead = "drop-head"
        /// The new message is not queued for that session (Mosquitto's behaviour).
        case rejectPublish = "reject-publish"
    }

    /// Messages queued for one session (`mqtt.max_queued_messages`).
    public var maxQueuedMessages: Int
    /// Payload bytes queued for one session (`mqtt.max_queued_bytes`).
    public var maxQueuedBytes: Int
    /// `mqtt.queue_overflow`.
    public var queueOverflow: QueueOverflow
    /// Retained messages in total (`mqtt.max_retained_messages`).
    public var maxRetainedMessages: Int
    /// Payload bytes of all retained messages (`mqtt.max_retained_bytes`).
    public var maxRetainedBytes: Int

    public init(
        maxQueuedMessages: Int = 0, maxQueuedBytes: Int = 0, queueOverflow: QueueOverflow = .dropHead,
        maxRetainedMessages: Int = 0, maxRetainedBytes: Int = 0
    ) {
        self.maxQueuedMessages = maxQueuedMessages
        self.maxQueuedBytes = maxQueuedBytes
        self.queueOverflow = queueOverflow
        self.maxRetainedMessages = maxRetainedMessages
        self.maxRetainedBytes = maxRetainedBytes
    }

    /// The session queue's length limits as the engine keeps them (what `sessionQueueArguments` declares).
    public var sessionQueueLengthLimits: QueueLengthLimits {
        let limited = self.maxQueuedMessages > 0 || self.maxQueuedBytes > 0
        return QueueLengthLimits(
            maxLength: self.maxQueuedMessages > 0 ? self.maxQueuedMessages : nil,
            maxLengthBytes: self.maxQueuedBytes > 0 ? self.maxQueuedBytes : nil,
            overflow: limited
                ? JunctionCore.QueueOverflow(rawValue: self.queueOverflow.rawValue) ?? .dropHead : .dropHead)
    }

    /// The arguments a session queue is declared with: the engine's max-length machinery enforces them.
    public var sessionQueueArguments: FieldTable {
        var arguments: FieldTable = [:]
        guard self.maxQueuedMessages > 0 || self.maxQueuedBytes > 0 else { return arguments }
        if self.maxQueuedMessages > 0 { arguments["x-max-length"] = .int64(Int64(self.maxQueuedMessages)) }
        if self.maxQueuedBytes > 0 { arguments["x-max-length-bytes"] = .int64(Int64(self.maxQueuedBytes)) }
        arguments["x-overflow"] = .longString(Array(self.queueOverflow.rawValue.utf8))
        return arguments
    }

    /// Whether a retained message of `size` payload bytes on a topic may be kept, given the store's
    /// totals and the payload size of what that topic retains now (nil: nothing). Replacing a retained
    /// message with one no larger is always allowed; clearing one (empty payload) never reaches this.
    public func admitsRetained(
        size: Int, replacing existing: Int?, retainedCount: Int, retainedBytes: Int
    ) -> Bool {
        if existing == nil, self.maxRetainedMessages > 0, retainedCount >= self.maxRetainedMessages { return false }
        if self.maxRetainedBytes > 0, retainedBytes - (existing ?? 0) + size > self.maxRetainedBytes {
            return size <= (existing ?? 0)
        }
        return true
    }
}
