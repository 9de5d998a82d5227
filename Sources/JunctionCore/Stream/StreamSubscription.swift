import DequeModule
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

    private var unacked: [DeliveryID: LogOffset] = [:]
    /// Deliveries in delivery order (offsets increase), so the acknowledged prefix is found by popping.
    private var outstanding: Deque<(id: DeliveryID, offset: LogOffset)> = []

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

    public var unackedCount: Int { self.unacked.count }

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
        var removed = false
        for id in ids where self.unacked.removeValue(forKey: id) != nil {
            removed = true
        }
        guard removed else { return }
        self.commitAcknowledgedPrefix()
        self.stream.dispatch()
    }

    /// A stream never redelivers on its own: `requeue: false` counts as processed (like an ack);
    /// `requeue: true` rewinds this consumer to the lowest rejected offset, so it reads from there
    /// again (unless it was cancelled: then it only releases the entries).
    public func settle(rejected ids: [DeliveryID], requeue: Bool) {
        guard requeue else {
            self.settle(acked: ids)
            return
        }
        var lowest: LogOffset?
        for id in ids {
            if let offset = self.unacked.removeValue(forKey: id) {
                lowest = min(lowest ?? offset, offset)
            }
        }
        guard let lowest else { return }
        if !self.isCancelled {
            // Later deliveries come again from the rewound position; their old ids are forgotten.
            while let last = self.outstanding.last, last.offset >= lowest {
                self.outstanding.removeLast()
                self.unacked[last.id] = nil
            }
            self.position = min(self.position, lowest)
        }
        self.commitAcknowledgedPrefix()
        self.stream.dispatch()
    }

    var canReceive: Bool {
        !self.isCancelled && self.isActive && self.unacked.count < self.prefetch && self.consumer.isReadyForDeliveries
    }

    var credit: Int { max(0, self.prefetch - self.unacked.count) }

    func tookDelivery(_ id: DeliveryID, offset: LogOffset) {
        self.unacked[id] = offset
        self.outstanding.append((id, offset))
        self.position = offset.advanced(by: 1)
    }

    func markCancelled() {
        self.isCancelled = true
        self.isActive = false
    }

    /// Pops deliveries that are no longer unacked from the front; the last popped is acknowledged
    /// together with everything before it.
    private func commitAcknowledgedPrefix() {
        var through: LogOffset?
        while let first = self.outstanding.first, self.unacked[first.id] == nil {
            through = first.offset
            self.outstanding.removeFirst()
        }
        // A rewind can leave entries ahead of the position in the prefix: only real acks count.
        if let through, let group = self.group, through < self.position {
            self.stream.commit(group: group, through: through)
        }
    }
}

@available(*, unavailable)
extension StreamSubscription: Sendable {}
