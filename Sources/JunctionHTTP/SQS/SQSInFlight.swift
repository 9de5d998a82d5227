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
        let prefix = Array(String(token, radix: 16).utf8)
        return deliveries.map { Self.handle(prefix: prefix, delivery: $0.rawValue) }
    }

    /// `<prefix>-<delivery in decimal>`, written as bytes (string interpolation of the number went through
    /// the generic formatting path, ~1.4% of the engine loop's SQS work).
    private static func handle(prefix: [UInt8], delivery: UInt64) -> String {
        String(unsafeUninitializedCapacity: prefix.count + 21) { output in
            var position = 0
            for byte in prefix {
                output[position] = byte
                position += 1
            }
            output[position] = UInt8(ascii: "-")
            position += 1
            var digits = 1
            var rest = delivery / 10
            while rest > 0 {
                digits += 1
                rest /= 10
            }
            var value = delivery
            for index in stride(from: position + digits - 1, through: position, by: -1) {
                output[index] = UInt8(ascii: "0") + UInt8(value % 10)
                value /= 10
            }
            return position + digits
        }
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

    enum Deletion: Equatable {
        case malformed
        case stale
        /// The handle is of a message of another queue: nothing is deleted.
        case otherQueue
        case deleted
    }

    /// DeleteMessage of a message of `queue`: acks it (the handle is read once). The lease is found once and
    /// changed where it is stored: one dictionary lookup and one set removal per message, where looking it up
    /// for each step (is it there, whose is it, take it, is it empty) made deletes ~10% of the engine loop.
    func delete(_ receipt: String, of queue: MessageQueue) -> Deletion {
        guard let handle = Self.parse(receipt) else { return .malformed }
        let token = self.moved.isEmpty ? handle.lease : self.moved[handle] ?? handle.lease
        guard let index = self.leases.index(forKey: token) else { return .stale }
        guard self.leases.values[index].queue === queue else {
            return self.leases.values[index].pending.contains(handle.delivery) ? .otherQueue : .stale
        }
        guard self.leases.values[index].pending.remove(handle.delivery) != nil else { return .stale }
        if !self.moved.isEmpty { self.moved[handle] = nil }
        if self.leases.values[index].pending.isEmpty {
            self.leases.values[index].expiry?.cancel()
            self.leases.remove(at: index)
        }
        queue.ack(CollectionOfOne(handle.delivery))
        return .deleted
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
        guard let handle = Self.parse(receipt) else { return nil }
        return self.take(handle)
    }

    private func take(_ handle: Handle) -> (Handle, Lease)? {
        // Removed in place: a lease copied out of the dictionary, changed and stored back copied its whole set
        // of deliveries on every delete (the dictionary still held the original).
        guard let token = self.current(handle), self.leases[token]?.pending.remove(handle.delivery) != nil,
            let lease = self.leases[token]
        else { return nil }
        if !self.moved.isEmpty { self.moved[handle] = nil }
        if lease.pending.isEmpty {
            lease.expiry?.cancel()
            self.leases[token] = nil
        }
        return (handle, lease)
    }

    private func current(_ handle: Handle) -> UInt64? {
        if !self.moved.isEmpty, let token = self.moved[handle] { return token }
        return self.leases[handle.lease]?.pending.contains(handle.delivery) == true ? handle.lease : nil
    }

    private func expire(_ token: UInt64) {
        guard let lease = self.leases.removeValue(forKey: token) else { return }
        lease.queue.reject(lease.pending, requeue: true)
        if !self.moved.isEmpty { self.moved = self.moved.filter { $0.value != token } }
    }

    /// `<lease in hex>-<delivery in decimal>`, read from the bytes (one per deleted message).
    private static func parse(_ receipt: String) -> Handle? {
        var lease: UInt64 = 0
        var delivery: UInt64 = 0
        var leaseDigits = 0
        var deliveryDigits = 0
        var inDelivery = false
        for byte in receipt.utf8 {
            if !inDelivery {
                let digit: UInt8
                switch byte {
                case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = byte - UInt8(ascii: "0")
                case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = byte - UInt8(ascii: "a") + 10
                case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = byte - UInt8(ascii: "A") + 10
                case UInt8(ascii: "-") where leaseDigits > 0:
                    inDelivery = true
                    continue
                default: return nil
                }
                guard leaseDigits < 16 else { return nil }
                lease = lease << 4 | UInt64(digit)
                leaseDigits += 1
            } else {
                guard byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "9") else { return nil }
                let (times10, overflow) = delivery.multipliedReportingOverflow(by: 10)
                let (sum, overflow2) = times10.addingReportingOverflow(UInt64(byte - UInt8(ascii: "0")))
                guard !overflow, !overflow2 else { return nil }
                delivery = sum
                deliveryDigits += 1
            }
        }
        guard inDelivery, deliveryDigits > 0 else { return nil }
        return Handle(lease: lease, delivery: DeliveryID(delivery))
    }
}
