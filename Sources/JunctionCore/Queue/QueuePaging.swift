import Foundation
import Logging

/// The memory budgets of queued bodies and where spill logs go: one per broker, shared by its
/// queues, on the engine loop (see `MessageQueue+Paging`).
///
/// A queue pages a new message (keeps only its `PagedMessage` index entry in memory) when the
/// bodies it holds in memory would pass `queueBudget`, or those of all queues `globalBudget`
/// (`queues.memory_budget_bytes`, `queues.global_memory_budget_bytes`); a budget of 0 turns paging off.
final class QueuePaging {
    let queueBudget: Int
    let globalBudget: Int
    /// Bodies of ready messages in memory over every queue (paged ones excluded).
    var inMemoryBytes = 0
    /// `<data_dir>/spill`; nil: transient messages are never paged (they stay in memory).
    let spillRoot: String?
    let spillSegmentBytes: Int
    let logger: Logger
    private var nextSpillID: UInt64 = 0
    /// Where windows of paged messages are read ahead of need (`MessageQueue+ReadAhead`); nil: on the loop.
    var readAheadExecutor: (any ReadAheadExecutor)?

    /// A read-ahead window: a quarter of the queue budget within these bounds (and what the global
    /// budget has room for, but never below the minimum, so a drain always moves).
    static let minimumWindowBytes = 64 * 1024
    static let maximumWindowBytes = 8 << 20
    static let maximumWindowCount = 8192

    /// - Parameter spillRoot: removed and created again (spill logs never outlive a run).
    init(queueBudget: Int, globalBudget: Int, spillRoot: String?, spillSegmentBytes: Int, logger: Logger) {
        self.queueBudget = queueBudget
        self.globalBudget = globalBudget
        self.spillSegmentBytes = spillSegmentBytes
        self.logger = logger
        var root = spillRoot
        if let directory = spillRoot {
            do {
                if FileManager.default.fileExists(atPath: directory) {
                    try FileManager.default.removeItem(atPath: directory)
                }
                try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            } catch {
                logger.error(
                    "cannot prepare the spill directory: transient messages stay in memory",
                    metadata: ["directory": "\(directory)", "error": "\(error)"])
                root = nil
            }
        }
        self.spillRoot = root
    }

    var isEnabled: Bool { self.queueBudget > 0 && self.globalBudget > 0 }

    /// Whether a queue holding `queueBytes` of bodies in memory pages a new body of `size` bytes.
    func isOverBudget(queueBytes: Int, adding size: Int) -> Bool {
        queueBytes + size > self.queueBudget || self.inMemoryBytes + size > self.globalBudget
    }

    /// How many body bytes a queue may keep in memory now (recovery).
    var roomForQueue: Int {
        max(0, min(self.queueBudget, self.globalBudget - self.inMemoryBytes))
    }

    var windowBytes: Int {
        let configured = min(max(self.queueBudget / 4, Self.minimumWindowBytes), Self.maximumWindowBytes)
        return max(Self.minimumWindowBytes, min(configured, self.globalBudget - self.inMemoryBytes))
    }

    /// A new spill log for a queue, in a directory of its own (a queue deleted and declared again
    /// under the same name gets another); nil when there is no spill directory or it cannot be created.
    func openSpill(queue: String) -> SpillLog? {
        guard let root = self.spillRoot else { return nil }
        self.nextSpillID += 1
        let directory = "\(root)/\(self.nextSpillID)-\(LogQueueStore.pathComponent(queue))"
        do {
            return try SpillLog(directory: directory, segmentBytes: self.spillSegmentBytes)
        } catch {
            self.logger.error(
                "cannot open a spill log: the queue keeps its transient messages in memory",
                metadata: ["queue": "\(queue)", "error": "\(error)"])
            return nil
        }
    }
}

@available(*, unavailable)
extension QueuePaging: Sendable {}
