public import JunctionModel
import JunctionStorage

/// Where reads of paged messages run ahead of need: the server's read-ahead thread. Nil in
/// `QueuePaging.readAheadExecutor` (unit tests, or `queues.read_ahead_thread: false`): every window is
/// read on the engine loop when it is needed.
public protocol ReadAheadExecutor: AnyObject {
    /// Runs `read` off the loop, then `completion` on the loop with its outcome.
    func run(_ read: PagedRead, completion: @escaping (Result<[[PagedReadMessage]], any Error>) -> Void)
}

/// A message read back off the loop, with its offset (store sequence or spill offset).
public struct PagedReadMessage: Sendable {
    public var offset: UInt64
    public var message: Message
}

/// One read of the runs of a window of paged messages (`ReadyMessages.pagedRuns`), to run on another
/// thread: the log reads and the decoding of the message records.
public struct PagedRead: Sendable {
    private let runs: [LogReadHandle]

    init(_ handle: LogReadHandle) {
        self.runs = [handle]
    }

    init(combining reads: [PagedRead]) {
        self.runs = reads.flatMap(\.runs)
    }

    /// Each run's messages, oldest first; records that do not decode are left out (the window that needs
    /// them counts them as missing, as a read on the loop does).
    public func run() throws -> [[PagedReadMessage]] {
        try self.runs.map { handle in
            try handle.run().compactMap { record in
                guard let message = try? MessageRecordCodec.decode(record.value) else { return nil }
                return PagedReadMessage(offset: UInt64(record.offset.rawValue), message: message)
            }
        }
    }
}

/// The read ahead of one queue (`MessageQueue+ReadAhead`): the runs of the next window of a level's paged
/// messages, in flight on the read-ahead thread or read and waiting for the window that needs them.
final class PagedReadAhead {
    struct Run {
        let spilled: Bool
        let first: UInt64
        let last: UInt64
        var messages: [PagedReadMessage] = []
        /// Messages before this position were handed to a window.
        var consumed = 0
    }

    let level: Int
    /// The spill log read (spilled runs): a queue deleted and declared again has another one.
    let spill: SpillLog?
    var runs: [Run]
    /// The first run no window has finished with.
    var nextRun = 0
    var isComplete = false
    /// Body bytes counted in `QueuePaging.inMemoryBytes` while this is held.
    let reservedBytes: Int

    init(level: Int, spill: SpillLog?, runs: [Run], bytes: Int) {
        self.level = level
        self.spill = spill
        self.runs = runs
        self.reservedBytes = bytes
    }
}

@available(*, unavailable)
extension PagedReadAhead: Sendable {}
