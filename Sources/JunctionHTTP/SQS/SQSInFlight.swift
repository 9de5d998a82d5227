import HeapModule
import JunctionCore
import NIOCore

/// Received and not yet deleted messages: SQS's visibility timeout as unacked deliveries with a deadline.
/// One lease per ReceiveMessage answer (never one per message); ChangeMessageVisibility moves a message
/// to a lease of its own. When a lease's deadline passes, what is still in it goes back to the queue
/// (requeued, so its delivery count, SQS's receive count, grows on the next receive).
/// One timer serves every lease: the deadlines wait in a heap, and the timer is armed for the earliest lease
/// still held. (A scheduled task per receive, and cancelling it when the last message was deleted, was ~4%
/// of the engine loop.) A lease that goes early leaves its heap entry behind, skipped when it comes up; the
/// heap is rebuilt from the leases when such entries outnumber them.
/// A receipt handle (`SQSReceiptHandle`) is `<lease>-<delivery id>`; a moved message keeps its handle through
/// `moved`.
final class SQSInFlight {
    private struct Lease {
        let queue: MessageQueue
        var pending: Set<DeliveryID>
        let deadline: NIODeadline
    }

    private struct Expiry: Comparable {
        var deadline: NIODeadline
        var token: UInt64

        static func < (lhs: Expiry, rhs: Expiry) -> Bool { lhs.deadline < rhs.deadline }
    }

    private var leases: [UInt64: Lease] = [:]
    /// Every lease's deadline, and entries of leases already gone.
    private var expiries = Heap<Expiry>()
    /// The one timer, armed for the earliest deadline of a lease held when it was armed.
    private var timer: (deadline: NIODeadline, task: Scheduled<Void>)?
    /// Receipt handles whose message moved to another lease (ChangeMessageVisibility), to that lease.
    private var moved: [SQSReceiptHandle: UInt64] = [:]

    var count: Int { self.leases.values.reduce(0) { $0 + $1.pending.count } }

    /// Takes `deliveries` (unacked in `queue`) for `timeout` and returns their receipt handles, in order.
    func lease(
        _ deliveries: [DeliveryID], of queue: MessageQueue, for timeout: TimeAmount, on loop: any EventLoop
    )
        -> [SQSReceiptHandle]
    {
        guard !deliveries.isEmpty else { return [] }
        let token = self.newLease(Set(deliveries), of: queue, for: timeout, on: loop)
        return deliveries.map { SQSReceiptHandle(lease: token, delivery: $0) }
    }

    enum Lookup {
        /// Not a handle this broker issues.
        case malformed
        /// Well formed, but the message was deleted or became visible again.
        case stale
        case found(queue: MessageQueue)
    }

    func lookup(_ receipt: String) -> Lookup {
        guard let handle = SQSReceiptHandle(receipt) else { return .malformed }
        return self.lookup(handle)
    }

    func lookup(_ handle: SQSReceiptHandle) -> Lookup {
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
        guard let handle = SQSReceiptHandle(receipt) else { return .malformed }
        let token = self.moved.isEmpty ? handle.lease : self.moved[handle] ?? handle.lease
        guard let index = self.leases.index(forKey: token) else { return .stale }
        guard self.leases.values[index].queue === queue else {
            return self.leases.values[index].pending.contains(handle.delivery) ? .otherQueue : .stale
        }
        guard self.leases.values[index].pending.remove(handle.delivery) != nil else { return .stale }
        if !self.moved.isEmpty { self.moved[handle] = nil }
        if self.leases.values[index].pending.isEmpty { self.leases.remove(at: index) }
        queue.ack(CollectionOfOne(handle.delivery))
        return .deleted
    }

    /// ChangeMessageVisibility: 0 makes the message visible at once; otherwise it stays hidden for
    /// `timeout` from now. False when the handle is stale or malformed.
    func changeVisibility(_ receipt: String, to timeout: TimeAmount, on loop: any EventLoop) -> Bool {
        guard let handle = SQSReceiptHandle(receipt) else { return false }
        return self.changeVisibility(handle, to: timeout, on: loop)
    }

    func changeVisibility(_ handle: SQSReceiptHandle, to timeout: TimeAmount, on loop: any EventLoop) -> Bool {
        guard let (handle, lease) = self.take(handle) else { return false }
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
            self.leases[token] = nil
        }
        self.moved = self.moved.filter { self.leases[$0.value] != nil }
    }

    private func newLease(
        _ deliveries: Set<DeliveryID>, of queue: MessageQueue, for timeout: TimeAmount, on loop: any EventLoop
    ) -> UInt64 {
        var token = UInt64.random(in: 1...UInt64.max)
        while self.leases[token] != nil { token = UInt64.random(in: 1...UInt64.max) }
        let deadline = loop.now + timeout
        self.leases[token] = Lease(queue: queue, pending: deliveries, deadline: deadline)
        if self.expiries.count >= 2 * self.leases.count + 1024 {
            self.expiries = Heap(self.leases.map { Expiry(deadline: $0.value.deadline, token: $0.key) })
        } else {
            self.expiries.insert(Expiry(deadline: deadline, token: token))
        }
        self.arm(on: loop)
        return token
    }

    /// Whether `entry` is the deadline of a lease still held.
    private func isHeld(_ entry: Expiry) -> Bool { self.leases[entry.token]?.deadline == entry.deadline }

    /// Arms the timer for the earliest lease still held, unless it is armed for that or earlier.
    private func arm(on loop: any EventLoop) {
        while let first = self.expiries.min, !self.isHeld(first) { _ = self.expiries.removeMin() }
        guard let first = self.expiries.min else { return }
        if let timer = self.timer {
            guard first.deadline < timer.deadline else { return }
            timer.task.cancel()
        }
        let task = loop.assumeIsolated().scheduleTask(deadline: first.deadline) { [weak self] () -> Void in
            self?.fire(on: loop)
        }
        self.timer = (first.deadline, task)
    }

    /// The timer's turn: every lease whose deadline has passed expires, then the timer is armed again.
    private func fire(on loop: any EventLoop) {
        self.timer = nil
        let now = loop.now
        while let first = self.expiries.min, first.deadline <= now {
            _ = self.expiries.removeMin()
            if self.isHeld(first) { self.expire(first.token) }
        }
        self.arm(on: loop)
    }

    /// Removes a handle's message from its lease (dropping an emptied lease; its heap entry is skipped later).
    private func take(_ handle: SQSReceiptHandle) -> (SQSReceiptHandle, Lease)? {
        // Removed in place: a lease copied out of the dictionary, changed and stored back copied its whole set
        // of deliveries on every delete (the dictionary still held the original).
        guard let token = self.current(handle), self.leases[token]?.pending.remove(handle.delivery) != nil,
            let lease = self.leases[token]
        else { return nil }
        if !self.moved.isEmpty { self.moved[handle] = nil }
        if lease.pending.isEmpty { self.leases[token] = nil }
        return (handle, lease)
    }

    private func current(_ handle: SQSReceiptHandle) -> UInt64? {
        if !self.moved.isEmpty, let token = self.moved[handle] { return token }
        return self.leases[handle.lease]?.pending.contains(handle.delivery) == true ? handle.lease : nil
    }

    private func expire(_ token: UInt64) {
        guard let lease = self.leases.removeValue(forKey: token) else { return }
        lease.queue.reject(lease.pending, requeue: true)
        if !self.moved.isEmpty { self.moved = self.moved.filter { $0.value != token } }
    }
}
