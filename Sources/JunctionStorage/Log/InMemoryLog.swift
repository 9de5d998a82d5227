import NIOCore

/// A `MessageLog` in memory, for transient queues and engine tests. Everything appended is
/// immediately "durable" (there is nothing more to wait for), so `durableOffset == nextOffset`.
///
/// Owned by one event loop; not `Sendable`.
public final class InMemoryLog: MessageLog {
    public private(set) var firstOffset: LogOffset
    public var nextOffset: LogOffset { self.firstOffset.advanced(by: Int64(self.records.count)) }
    public var durableOffset: LogOffset { self.nextOffset }

    private var records: [LogRecord] = []
    private var durabilityObservers: [(LogOffset) -> Void] = []
    private var notifiedDurableOffset = LogOffset.zero

    /// An empty log whose first record will get `firstOffset`.
    public init(firstOffset: LogOffset = .zero) {
        self.firstOffset = firstOffset
        self.notifiedDurableOffset = firstOffset
    }

    public func append(_ entries: [LogEntry], attributes: UInt16, leaderEpoch: Int32) throws -> LogAppendResult {
        guard !entries.isEmpty else {
            throw StorageError(.invalidArgument, path: "<memory>", detail: "append of an empty batch")
        }
        let first = self.nextOffset
        for (index, entry) in entries.enumerated() {
            self.records.append(
                LogRecord(
                    offset: first.advanced(by: Int64(index)),
                    timestamp: entry.timestamp,
                    key: entry.key,
                    value: entry.value,
                    attributes: attributes,
                    leaderEpoch: leaderEpoch
                )
            )
        }
        return LogAppendResult(
            firstOffset: first,
            lastOffset: first.advanced(by: Int64(entries.count - 1)),
            durableOffset: self.nextOffset
        )
    }

    public func read(from offset: LogOffset, maxRecords: Int, maxBytes: Int) throws -> [LogRecord] {
        var result: [LogRecord] = []
        var bytes = 0
        var index = Int(max(0, offset.rawValue - self.firstOffset.rawValue))
        while index < self.records.count, result.count < maxRecords {
            let record = self.records[index]
            let size = (record.key?.readableBytes ?? 0) + record.value.readableBytes
            if !result.isEmpty && bytes + size > maxBytes { break }
            result.append(record)
            bytes += size
            index += 1
        }
        return result
    }

    public func offset(atOrAfter timestamp: Int64) throws -> LogOffset? {
        self.records.first(where: { $0.timestamp >= timestamp })?.offset
    }

    public func truncate(before offset: LogOffset) throws {
        let target = min(offset, self.nextOffset)
        guard target > self.firstOffset else { return }
        self.records.removeFirst(Int(target.rawValue - self.firstOffset.rawValue))
        self.firstOffset = target
    }

    /// Nothing is buffered: records are in memory as soon as they are appended.
    public func writeBuffered() throws {}

    @discardableResult
    public func sync() throws -> LogOffset {
        if self.nextOffset > self.notifiedDurableOffset {
            self.notifiedDurableOffset = self.nextOffset
            for observer in self.durabilityObservers { observer(self.nextOffset) }
        }
        return self.nextOffset
    }

    public func addDurabilityObserver(_ observer: @escaping (LogOffset) -> Void) {
        self.durabilityObservers.append(observer)
    }
}
