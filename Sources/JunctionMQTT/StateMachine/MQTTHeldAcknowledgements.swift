import DequeModule
import JunctionMQTTCodec

/// PUBACKs and PUBRECs of inbound PUBLISHes that wait for the store, in the order the PUBLISHes
/// arrived [MQTT-4.6.0-2, -3]: one whose message went to a durable queue waits for its durability
/// ticket (the store's append count after it), and every later one waits behind it.
struct MQTTHeldAcknowledgements {
    private var held: Deque<(packet: MQTTPacket, ticket: UInt64)> = []

    var isEmpty: Bool { self.held.isEmpty }
    /// Held PUBACKs: QoS 1 PUBLISHes still unacknowledged (counted against the Receive Maximum).
    private(set) var heldPublishAcknowledgements = 0

    /// Whether the acknowledgement must wait; if so it is kept. `ticket` nil: nothing to wait for.
    mutating func hold(_ packet: MQTTPacket, ticket: UInt64?) -> Bool {
        guard ticket != nil || !self.held.isEmpty else { return false }
        // Ticket 0 is durable whenever the one before it is.
        self.held.append((packet, ticket ?? 0))
        if case .pubAck = packet { self.heldPublishAcknowledgements += 1 }
        return true
    }

    /// The store made every append up to `ticket` durable: the acknowledgements now due, in order.
    mutating func durable(through ticket: UInt64) -> [MQTTPacket] {
        var due: [MQTTPacket] = []
        while let first = self.held.first, first.ticket <= ticket {
            self.held.removeFirst()
            if case .pubAck = first.packet { self.heldPublishAcknowledgements -= 1 }
            due.append(first.packet)
        }
        return due
    }

    /// The store failed: nothing held may be acknowledged.
    mutating func removeAll() {
        self.held.removeAll()
        self.heldPublishAcknowledgements = 0
    }
}
