public import JunctionStorage

/// One consumer attached to a stream. It reads with its own cursor (`position`); reading never
/// removes anything. `prefetch` is its credit: at most that many unacknowledged deliveries.
/// In a consumer group, only the group's active member receives; acks commit the group's offset.
public final class StreamSubscription: DeliverySource {
    public let tag: String
    public unowned let stream: StreamQueue
    /// The consumer group (`x-consumer-group`), if any.
    public let group: String?
    public let owner: ConnectionID
    let consumer: any StreamConsumer
    let start: StreamOffsetSpec

    /// Credit: the most unacknowledged deliveries at a time (always > 0). Raising it resumes delivery.
    public var prefetch: Int {
        didSet {
            if self.prefetch > oldValue { self.resume() }
        }
    }
    public private(set) var isCancelled = false
    /// Whether it receives: always without a group; in a group, only the active member.
    public internal(set) var isActive: Bool
    /// The next offset to deliver.
    public internal(set) var position: LogOffset

    /// Outstanding deliveries and the acknowledged prefix a group may commit.
    var acknowledged = AcknowledgedPrefix()
    /// The highest offset delivered to this consumer or, in a group, to the members active before
    /// it: a delivery at or below it is marked redelivered.
    var deliveredThrough: LogOffset?
    /// A member of a shared group: its deliveries are locks on single offsets, settled one by one.
    public internal(set) var isShareMember = false
    /// A shared member's outstanding deliveries: the offset each one locks.
    var shareLocks: [DeliveryID: LogOffset] = [:]

    init(
        tag: String,
        stream: StreamQueue,
        group: String?,
        owner: ConnectionID,
        consumer: any StreamConsumer,
        start: StreamOffsetSpec,
        prefetch: Int,
        position: LogOffset,
        isActive: Bool
    ) {
        self.tag = tag
        self.stream = stream
        self.group = group
        self.owner = owner
        self.consumer = consumer
        self.start = start
        self.prefetch = prefetch
        self.position = position
        self.isActive = isActive
    }

    public var unackedCount: Int { self.acknowledged.unackedCount + self.shareLocks.count }

    /// Detaches the consumer; in a group, the next member takes over from the committed offset.
    public func cancel() {
        guard !self.isCancelled else { return }
        self.stream.remove(self)
    }

    /// Call when the consumer became writable again.
    public func resume() {
        guard !self.isCancelled else { return }
        self.stream.dispatch()
    }

    /// Acks release credit and, in a group, commit the offset up to which everything is acknowledged.
    public func settle(acked ids: [DeliveryID]) {
        if self.isShareMember {
            self.stream.settleShared(ids, of: self, outcome: .acknowledged)
            return
        }
        guard self.acknowledged.acknowledge(ids) else { return }
        self.commitAcknowledgedPrefix()
        self.stream.dispatch()
    }

    /// A stream never redelivers on its own: `requeue: false` counts as processed (like an ack);
    /// `requeue: true` returns the deliveries unprocessed: this consumer rewinds to the lowest of
    /// them and reads from there again, and the group never commits it or anything after it (so
    /// after a cancel or a closed channel the group's next member gets them, marked redelivered).
    public func settle(rejected ids: [DeliveryID], requeue: Bool) {
        if self.isShareMember {
            self.stream.settleShared(ids, of: self, outcome: requeue ? .released : .rejected)
            return
        }
        guard requeue else {
            self.settle(acked: ids)
            return
        }
        guard let lowest = self.acknowledged.giveBack(ids) else { return }
        if !self.isCancelled {
            self.position = min(self.position, lowest)
        }
        self.stream.dispatch()
    }

    var canReceive: Bool {
        !self.isCancelled && self.isActive && self.unackedCount < self.prefetch
            && self.consumer.isReadyForDeliveries
    }

    var credit: Int { max(0, self.prefetch - self.unackedCount) }

    /// Records a delivery; true when this consumer had been given that offset before (a rewind).
    func tookDelivery(_ id: DeliveryID, offset: LogOffset) -> Bool {
        self.acknowledged.delivered(id, offset: offset)
        self.position = offset.advanced(by: 1)
        defer { self.deliveredThrough = max(self.deliveredThrough ?? offset, offset) }
        return self.deliveredThrough.map { offset <= $0 } ?? false
    }

    func markCancelled() {
        self.isCancelled = true
        self.isActive = false
    }

    private func commitAcknowledgedPrefix() {
        if let through = self.acknowledged.takeCommit(), let group = self.group {
            self.stream.commit(group: group, through: through)
        }
    }
}

@available(*, unavailable)
extension StreamSubscription: Sendable {}
