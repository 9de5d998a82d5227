import JunctionModel
import JunctionStorage

/// The deduplication window of a durable queue (`x-message-deduplication` with `x-cache-ttl`), kept on
/// disk without a write of its own: every stored message record already carries its id (the header
/// `x-deduplication-header`) and the time it was stored (the log timestamp). So the log keeps its
/// segments, settled or not, until their newest record is older than the window, and a restart reads the
/// ids of the records within the window back. An id is then durable exactly when its message is: the
/// same record, in the same group commit, before the publisher's confirm. A torn tail cut off by recovery
/// held messages that were never confirmed, and their ids go with them.
extension DurableQueueLog {
    /// Sets the window (ms) and returns the keys of the records stored within it, oldest first, with
    /// their age. Read once, when the queue is declared (at start-up: after the recovery pass).
    func deduplicationKeys(
        windowMilliseconds window: Int64, key: (Message) -> String?
    ) throws -> [(key: String, ageMilliseconds: UInt64)] {
        self.deduplicationWindow = window
        let now = self.clock()
        let since = now - window
        var keys: [(key: String, ageMilliseconds: UInt64)] = []
        var position = max(self.messages.firstOffset, self.messages.firstSegmentBaseOffset(withRecordsSince: since))
        while position < self.messages.nextOffset {
            let records = try self.messages.read(from: position, maxRecords: 1024, maxBytes: 1 << 20)
            guard let last = records.last else { break }
            for record in records where record.timestamp > since {
                // An undecodable record was reported by the recovery pass already.
                guard let message = try? MessageRecordCodec.decode(record.value), let id = key(message) else {
                    continue
                }
                keys.append((id, UInt64(max(0, now - record.timestamp))))
            }
            position = last.offset.advanced(by: 1)
        }
        return keys
    }

    /// Where the message log may be truncated: below the watermark (everything settled), and, with a
    /// deduplication window, only segments whose newest record is older than the window.
    func truncationTarget(watermark: UInt64) -> LogOffset {
        let settled = LogOffset(Int64(watermark))
        guard self.deduplicationWindow > 0 else { return settled }
        return min(
            settled, self.messages.firstSegmentBaseOffset(withRecordsSince: self.clock() - self.deduplicationWindow))
    }
}
