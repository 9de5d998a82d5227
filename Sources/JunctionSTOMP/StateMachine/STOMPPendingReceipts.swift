import DequeModule

/// RECEIPTs held back until the messages their frames stored are durable, without I/O.
///
/// A receipt for a frame that stored a persistent message in a durable queue (or that follows such a
/// frame on the same connection) waits for the store's durability ticket taken right after that
/// append, so a RECEIPT means "on disk" as an AMQP confirm does. Receipts go out in frame order: one
/// that needs nothing from the disk still waits behind one that does (STOMP 1.2 "RECEIPT": the
/// receipt acknowledges that the server has processed the frame; clients match them in order).
public struct STOMPPendingReceipts: Sendable {
    private var waiting: Deque<(receiptID: String, ticket: UInt64)> = []

    public init() {}

    public var isEmpty: Bool { self.waiting.isEmpty }

    /// A frame's work is done. `ticket` is the durability ticket its receipt needs (nil: none).
    /// Returns true when the receipt may be sent now; otherwise it is held.
    public mutating func add(_ receiptID: String, ticket: UInt64?) -> Bool {
        if ticket == nil && self.waiting.isEmpty { return true }
        self.waiting.append((receiptID, ticket ?? 0))
        return false
    }

    /// The store made every append up to `ticket` durable: the receipts to send now, in order.
    public mutating func durable(through ticket: UInt64) -> [String] {
        var released: [String] = []
        while let first = self.waiting.first, first.ticket <= ticket {
            self.waiting.removeFirst()
            released.append(first.receiptID)
        }
        return released
    }

    /// The store failed or the connection ended: every held receipt is dropped. Returns them in order.
    public mutating func removeAll() -> [String] {
        defer { self.waiting.removeAll() }
        return self.waiting.map(\.receiptID)
    }
}
