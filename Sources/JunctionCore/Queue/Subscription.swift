public import JunctionModel

/// One consumer attached to one queue (AMQP basic.consume, an MQTT subscription, a STOMP SUBSCRIBE).
public final class Subscription {
    public let tag: String
    public let queue: MessageQueue
    public let noAck: Bool
    public let exclusive: Bool
    public let owner: ConnectionID
    public let arguments: FieldTable
    let consumer: any MessageConsumer
    let creditPool: CreditPool?

    /// Maximum unacked deliveries (0 = unlimited); may be changed by basic.qos. Raising it resumes delivery.
    public var prefetch: Int {
        didSet {
            if self.prefetch == 0 || self.prefetch > oldValue { self.resume() }
        }
    }
    /// Deliveries made to this subscription and not yet settled (always 0 for noAck).
    public private(set) var unackedCount = 0
    public private(set) var isCancelled = false
    /// In a queue with `x-message-groups`: this subscription may get several messages of a group it holds
    /// at once, in order (SQS's long-polling receive); otherwise one per group until it is settled.
    /// Set before the subscription is resumed.
    public var takesGroupRuns = false
    /// Its owner token in the queue's group locks, handed out at its first grouped delivery (0: none yet).
    var groupOwner: UInt64 = 0

    init(
        tag: String,
        queue: MessageQueue,
        consumer: any MessageConsumer,
        noAck: Bool,
        exclusive: Bool,
        prefetch: Int,
        creditPool: CreditPool?,
        arguments: FieldTable,
        owner: ConnectionID
    ) {
        self.tag = tag
        self.queue = queue
        self.consumer = consumer
        self.noAck = noAck
        self.exclusive = exclusive
        self.prefetch = prefetch
        self.creditPool = noAck ? nil : creditPool
        self.arguments = arguments
        self.owner = owner
    }

    /// Removes the consumer. Its unacked deliveries stay unacked until settled; an auto-delete queue
    /// is deleted when its last consumer goes.
    public func cancel() {
        guard !self.isCancelled else { return }
        self.queue.remove(self)
    }

    /// Call when the consumer became writable again, or after credit was released elsewhere.
    public func resume() {
        guard !self.isCancelled else { return }
        self.queue.dispatch()
    }

    /// Whether a delivery may be made now: not cancelled, writable, and within both credit limits.
    var canReceive: Bool {
        guard !self.isCancelled, self.consumer.isReadyForDeliveries else { return false }
        if self.noAck { return true }
        if self.prefetch != 0 && self.unackedCount >= self.prefetch { return false }
        return self.creditPool?.hasCredit ?? true
    }

    func tookDelivery() {
        self.unackedCount += 1
        self.creditPool?.take()
    }

    func releaseCredit() {
        self.unackedCount -= 1
        self.creditPool?.release()
    }

    func markCancelled() {
        self.isCancelled = true
        self.creditPool?.remove(self)
    }
}

@available(*, unavailable)
extension Subscription: Sendable {}
