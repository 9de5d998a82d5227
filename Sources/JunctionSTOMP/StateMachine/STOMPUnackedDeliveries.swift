import DequeModule
import JunctionSTOMPCodec

/// The deliveries sent and not yet settled, per subscription, in delivery order. Ack ids are
/// `<subscription id>@@<tag>` with a tag unique per connection. `client` mode settles cumulatively
/// within the subscription, `client-individual` exactly one (STOMP 1.2 "SUBSCRIBE ack Header").
public struct STOMPUnackedDeliveries<Entry> {
    private var nextTag: UInt64 = 1
    private var bySubscription: [String: Deque<(tag: UInt64, entry: Entry)>] = [:]

    public init() {}

    /// Records a delivery and returns its ack id.
    public mutating func add(_ entry: Entry, subscription: String) -> String {
        let tag = self.nextTag
        self.nextTag += 1
        self.bySubscription[subscription, default: []].append((tag, entry))
        return "\(subscription)@@\(tag)"
    }

    /// Removes and returns what an ACK/NACK of `ackID` settles; empty when the id is unknown.
    public mutating func settle(_ ackID: String, cumulative: Bool) -> [Entry] {
        guard let (subscription, tag) = Self.parse(ackID) else { return [] }
        guard var pending = self.bySubscription[subscription],
            let index = pending.firstIndex(where: { $0.tag == tag })
        else { return [] }
        self.bySubscription[subscription] = nil
        let settled: [Entry]
        if cumulative {
            settled = pending[...index].map { $0.entry }
            pending.removeFirst(index + 1)
        } else {
            settled = [pending.remove(at: index).entry]
        }
        self.bySubscription[subscription] = pending.isEmpty ? nil : pending
        return settled
    }

    /// Removes and returns every unsettled delivery of a subscription, oldest first.
    public mutating func removeAll(subscription: String) -> [Entry] {
        self.bySubscription.removeValue(forKey: subscription).map { $0.map(\.entry) } ?? []
    }

    /// Removes and returns everything, oldest first within each subscription.
    public mutating func removeAll() -> [Entry] {
        let all = self.bySubscription.values.flatMap { $0.map(\.entry) }
        self.bySubscription.removeAll()
        return all
    }

    /// Splits `<subscription id>@@<tag>` at its last `@@`.
    public static func parse(_ ackID: String) -> (subscription: String, tag: UInt64)? {
        let utf8 = Array(ackID.utf8)
        var index = utf8.count - 2
        while index >= 0 {
            if utf8[index] == UInt8(ascii: "@") && utf8[index + 1] == UInt8(ascii: "@") {
                guard let tag = UInt64(String(decoding: utf8[(index + 2)...], as: UTF8.self)) else { return nil }
                return (String(decoding: utf8[..<index], as: UTF8.self), tag)
            }
            index -= 1
        }
        return nil
    }

    public var count: Int { self.bySubscription.values.reduce(0) { $0 + $1.count } }
}

extension STOMPUnackedDeliveries: Sendable where Entry: Sendable {}
