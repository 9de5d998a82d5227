import JunctionCore
import NIOCore

/// Received and not yet deleted messages: SQS's visibility timeout as unacked deliveries with a timer.
/// One timer per ReceiveMessage answer (never one per message); ChangeMessageVisibility moves a message
/// to a lease of its own. When a lease's timer fires, what is still in it goes back to the queue
/// (requeued, so its delivery count, SQS's receive count, grows on the next receive).
/// A receipt handle is `<lease>-<delivery id>`; a moved message keeps its handle through `moved`.
final class SQSInFlight {
    private struct Lease {
        let queue: MessageQueue
        var pending: Set<DeliveryID>
        var expiry: Scheduled<Void>?
    }

    private struct Handle: Hashable {
        var lease: UInt64
        var delivery: DeliveryID
    }

    private var leases: [UInt64: Lease] = [:]
    /// Receipt handles whose message moved to another lease (ChangeMessageVisibility), to that lease.
    private var moved: [Handle: UInt64] = [:]

    var count: Int { self.leases.values.reduce(0) { $0 + $1.pending.count } }

    /// Takes `deliveries` (unacked in `queue`) for `timeout` and returns their receipt handles, in order.
    func lease(
        _ deliveries: [DeliveryID], of queue: MessageQueue, for timeout: TimeAmount, on loop: any EventLoop
    )
        -> [String]
    {
        guard !deliveries.isEmpty else { return [] }
        let token = self.newLease(Set(deliveries), of: queue, for: timeout, on: loop)
        let prefix = String(token, radix: 16)
        return deliveries.map { "\(prefix)-\($0.rawValue)" }
    }

    enum Lookup {
        /// Not a handle this broker issues.
        case malformed
        /// Well formed, but the message was deleted or became visible again.
        case stale
        case found(queue: MessageQueue)
    }

    func lookup(_ receipt: String) -> Lookup {
        guard let handle = Self.parse(receipt) else { return .malformed }
        guard let token = self.current(handle), let lease = self.leases[token] else { return .stale }
        return .found(queue: lease.queue)
    }

    /// DeleteMessage: acks the message. False when the handle is stale or malformed.
    @discardableResult
    func delete(_ receipt: String) -> Bool {
        guard let (handle, lease) = self.take(receipt) else { return false }
        lease.queue.ack(CollectionOfOne(handle.delivery))
        return true
    }

    /// ChangeMessageVisibility: 0 makes the message visible at once; otherwise it stays hidden for
    /// `timeout` from now. False when the handle is stale or malformed.
    func changeVisibility(_ receipt: String, to timeout: TimeAmount, on loop: any EventLoop) -> Bool {
        guard let (handle, lease) = self.take(receipt) else { return false }
        if timeout <= .zero {
            lease.queue.reject(CollectionOfOne(handle.delivery), requeue: true)
            return true
        }
        let token = self.newLease([handle.delivery], of: lease.queue, for: timeout, on: loop)
        self.moved[handle] = token
        return true
    }

    /// Every message of `queue` in flight (the queue is purged or deleted: they are gone with it).
    func forget(_ queue: MessageQueue) {
        for (token, lease) in self.leases where lease.queue === queue {
            lease.expiry?.cancel()
            self.leases[token] = nil
        }
        self.moved = self.moved.filter { self.leases[$0.value] != nil }
    }

    private func newLease(
        _ deliveries: Set<DeliveryID>, of queue: MessageQueue, for timeout: TimeAmount, on loop: any EventLoop
    ) -> UInt64 {
        var token = UInt64.random(in: 1...UInt64.max)
        while self.leases[token] != nil { token = UInt64.random(in: 1...UInt64.max) }
        let expiry = loop.assumeIsolated().scheduleTask(in: timeout) { [weak self] in
            guard let self else { return }
            self.expire(token)
        }
        self.leases[token] = Lease(queue: queue, pending: deliveries, expiry: expiry)
        return token
    }

    /// Removes a handle's message from its lease (dropping an emptied lease and its timer).
    private func take(_ receipt: String) -> (Handle, Lease)? {
        guard let handle = Self.parse(receipt), let token = self.current(handle), var lease = self.leases[token],
            lease.pending.remove(handle.delivery) != nil
        else { return nil }
        self.moved[handle] = nil
        if lease.pending.isEmpty {
            lease.expiry?.cancel()
            self.leases[token] = nil
        } else {
            self.leases[token] = lease
        }
        return (handle, lease)
    }

    private func current(_ handle: Handle) -> UInt64? {
        if let token = self.moved[handle] { return token }
        return self.leases[handle.lease]?.pending.contains(handle.delivery) == true ? handle.lease : nil
    }

    private func expire(_ token: UInt64) {
        guard let lease = self.leases.removeValue(forKey: token) else { return }
        lease.queue.reject(lease.pending, requeue: true)
        if !self.moved.isEmpty { self.moved = self.moved.filter { $0.value != token } }
    }

    private static func parse(_ receipt: String) -> Handle? {
        let parts = receipt.split(separator: "-")
        guard parts.count == 2, let token = UInt64(parts[0], radix: 16), let raw = UInt64(parts[1]) else { return nil }
        return Handle(lease: token, delivery: DeliveryID(raw))
    }
}
