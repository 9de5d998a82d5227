/// Where the store's durability tickets stood before a publish (or a request that publishes), to tell what
/// it stored: the one piece of ticket bookkeeping every adapter shares (AMQP confirms, MQTT PUBACK and
/// PUBREC, STOMP receipts, HTTP and SQS answers).
public struct DurabilityMark: Sendable, Equatable {
    fileprivate let ticket: UInt64
    fileprivate let failures: UInt64
}

/// What the appends made since a mark need before what they stored may be acknowledged.
public enum DurabilityNeed: Sendable, Equatable {
    /// Nothing was stored, or it is already on disk: acknowledge now.
    case nothing
    /// An append failed: the message is not stored; refuse it (nack, error, no PUBACK).
    case notStored
    /// Acknowledge once the group commit covers this ticket (`DurabilityMonitor.isDurable`, `wait`).
    case sync(UInt64)
}

extension DurabilityMonitor {
    /// Call before publishing; `need(since:)` after.
    public func mark() -> DurabilityMark {
        DurabilityMark(ticket: self.currentTicket, failures: self.failedAppendCount)
    }

    public func need(since mark: DurabilityMark) -> DurabilityNeed {
        if self.failedAppendCount != mark.failures { return .notStored }
        let ticket = self.currentTicket
        return ticket != mark.ticket && !self.isDurable(ticket) ? .sync(ticket) : .nothing
    }
}
