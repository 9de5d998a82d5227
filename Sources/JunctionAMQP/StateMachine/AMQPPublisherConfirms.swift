import DequeModule

/// Publisher-confirm bookkeeping of one channel (RabbitMQ's confirm extension), without I/O.
///
/// A publish is confirmable once routed, and — when it was written to a durable queue — once the
/// store reached its durability ticket. Confirms go out in order as one cumulative `ack multiple`
/// per burst, so a publish that waits for the disk holds back those after it. Refused publishes
/// (every queue rejected it, or the store failed) are nacked one by one at once.
struct AMQPPublisherConfirms {
    private(set) var lastSequence: UInt64 = 0
    /// The highest sequence that may be acked (everything before it is acked, nacked or ackable).
    private var ackableThrough: UInt64?
    /// Publishes that wait for the disk, or wait behind one that does (ticket 0).
    private var waiting: Deque<(sequence: UInt64, ticket: UInt64)> = []

    var isWaitingForDisk: Bool { !self.waiting.isEmpty }

    /// A publish was routed. `ticket` is the durability ticket it needs, nil when none.
    mutating func published(ticket: UInt64?) -> UInt64 {
        self.lastSequence += 1
        if ticket == nil && self.waiting.isEmpty {
            self.ackableThrough = self.lastSequence
        } else {
            self.waiting.append((self.lastSequence, ticket ?? 0))
        }
        return self.lastSequence
    }

    /// A publish was refused: returns its sequence, to be nacked now.
    mutating func refused() -> UInt64 {
        self.lastSequence += 1
        return self.lastSequence
    }

    /// The store made every append up to `ticket` durable.
    mutating func durable(through ticket: UInt64) {
        while let first = self.waiting.first, first.ticket <= ticket {
            self.waiting.removeFirst()
            self.ackableThrough = first.sequence
        }
    }

    /// The cumulative ack to send now, if any.
    mutating func takeAck() -> UInt64? {
        defer { self.ackableThrough = nil }
        return self.ackableThrough
    }

    /// The store failed: every publish still waiting is refused. Returns their sequences.
    mutating func failWaiting() -> [UInt64] {
        defer { self.waiting.removeAll() }
        return self.waiting.map(\.sequence)
    }
}
