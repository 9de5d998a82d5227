import JunctionCore

/// `ReceiveRequestAttemptId`: a ReceiveMessage retried with the same attempt id within five minutes gets the
/// same messages and receipt handles again, as long as none of them was deleted or had its visibility
/// changed (SQS's rule); otherwise the retry is a new receive. Kept per queue and attempt id, the oldest
/// forgotten first when `capacity` is reached. SQS documents the id for FIFO queues; Junction honours it on
/// every queue, since a retry that re-leases different messages is never what the caller wants.
/// Confined to the engine loop with the listener state.
final class SQSReceiveAttempts {
    struct Attempt {
        var handles: [SQSReceiptHandle]
        var answer: SQSReceivedMessages
        var expiresAt: UInt64
    }

    private struct Key: Hashable {
        var queue: ObjectIdentifier
        var id: String
    }

    static let windowMilliseconds: UInt64 = 300_000
    let capacity: Int
    private var attempts: [Key: Attempt] = [:]
    /// Keys in the order they were stored (so by expiry), for expiry and the capacity bound; entries
    /// before `head` are gone. Compacted when half of it is.
    private var order: [(Key, UInt64)] = []
    private var head = 0

    init(capacity: Int = 10_000) {
        self.capacity = capacity
    }

    var count: Int { self.attempts.count }

    /// The earlier answer to this attempt on `queue`, if it is still within its window.
    func earlier(queue: MessageQueue, id: String, now: UInt64) -> Attempt? {
        self.expire(now: now)
        return self.attempts[Key(queue: ObjectIdentifier(queue), id: id)]
    }

    func remember(
        queue: MessageQueue, id: String, handles: [SQSReceiptHandle], answer: SQSReceivedMessages, now: UInt64
    ) {
        self.expire(now: now)
        let key = Key(queue: ObjectIdentifier(queue), id: id)
        let expiresAt = now + Self.windowMilliseconds
        self.attempts[key] = Attempt(handles: handles, answer: answer, expiresAt: expiresAt)
        self.order.append((key, expiresAt))
        while self.attempts.count > self.capacity, let (oldest, _) = self.popOldest() {
            self.attempts[oldest] = nil
        }
    }

    func forget(queue: MessageQueue, id: String) {
        self.attempts[Key(queue: ObjectIdentifier(queue), id: id)] = nil
    }

    private func expire(now: UInt64) {
        while self.head < self.order.count, self.order[self.head].1 <= now, let (key, _) = self.popOldest() {
            // A key stored again later has a later expiry: only the entry this one recorded goes.
            if let attempt = self.attempts[key], attempt.expiresAt <= now { self.attempts[key] = nil }
        }
    }

    private func popOldest() -> (Key, UInt64)? {
        guard self.head < self.order.count else { return nil }
        let oldest = self.order[self.head]
        self.head += 1
        if self.head > 64, self.head * 2 > self.order.count {
            self.order.removeFirst(self.head)
            self.head = 0
        }
        return oldest
    }
}
