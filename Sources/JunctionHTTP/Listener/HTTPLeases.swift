import JunctionCore
import NIOCore

/// Messages handed out by long-poll consumes and not yet settled. One lease per poll response,
/// with one timer for the whole batch (never a timer per message): when it fires, what is still
/// unsettled goes back to the queue. A receipt handle is `<lease>-<delivery id>`.
final class HTTPLeases {
    private struct Lease {
        let queue: MessageQueue
        let user: String
        var pending: Set<DeliveryID>
        var expiry: Scheduled<Void>?
    }

    private var leases: [UInt64: Lease] = [:]
    /// Unsettled leased messages per user, for `http.max_leases_per_user`.
    private var heldByUser: [String: Int] = [:]

    func count(of user: String) -> Int { self.heldByUser[user] ?? 0 }

    var count: Int { self.leases.values.reduce(0) { $0 + $1.pending.count } }

    /// Takes ownership of `deliveries` (unacked in `queue`) and returns their receipts, in order.
    func lease(
        _ deliveries: [DeliveryID], of queue: MessageQueue, by user: String, for duration: TimeAmount,
        on loop: any EventLoop
    ) -> [String] {
        if deliveries.isEmpty { return [] }
        var token = UInt64.random(in: 1...UInt64.max)
        while self.leases[token] != nil { token = UInt64.random(in: 1...UInt64.max) }
        let expiry: Scheduled<Void> = loop.assumeIsolated().scheduleTask(in: duration) { [weak self] in
            guard let self else { return }
            self.expire(token)
        }
        self.leases[token] = Lease(queue: queue, user: user, pending: Set(deliveries), expiry: expiry)
        self.heldByUser[user, default: 0] += deliveries.count
        let prefix = String(token, radix: 16)
        return deliveries.map { "\(prefix)-\($0.rawValue)" }
    }

    enum Settlement {
        case ack
        case reject(requeue: Bool)
    }

    /// False for an unknown receipt: malformed, already settled, or its lease expired.
    func settle(receipt: String, _ settlement: Settlement) -> Bool {
        let parts = receipt.split(separator: "-")
        guard parts.count == 2, let token = UInt64(parts[0], radix: 16), let raw = UInt64(parts[1]),
            var lease = self.leases[token], lease.pending.remove(DeliveryID(raw)) != nil
        else { return false }
        self.release(1, of: lease.user)
        if lease.pending.isEmpty {
            lease.expiry?.cancel()
            self.leases[token] = nil
        } else {
            self.leases[token] = lease
        }
        switch settlement {
        case .ack: lease.queue.ack(CollectionOfOne(DeliveryID(raw)))
        case .reject(let requeue): lease.queue.reject(CollectionOfOne(DeliveryID(raw)), requeue: requeue)
        }
        return true
    }

    private func expire(_ token: UInt64) {
        guard let lease = self.leases.removeValue(forKey: token) else { return }
        self.release(lease.pending.count, of: lease.user)
        lease.queue.reject(lease.pending, requeue: true)
    }

    private func release(_ count: Int, of user: String) {
        let left = (self.heldByUser[user] ?? 0) - count
        self.heldByUser[user] = left > 0 ? left : nil
    }
}
