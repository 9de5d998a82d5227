import Configuration

/// How much of the queued message bodies stays in memory (the `queues` section). Past a budget, a
/// queue keeps a 32-byte index entry per new message and leaves its body on disk: the queue log of
/// a durable queue for persistent messages, a spill log under `<data_dir>/spill` for the rest.
public struct QueuesConfiguration: Sendable, Hashable {
    /// Body bytes one queue keeps in memory (`queues.memory_budget_bytes`); 0 turns paging off.
    public var memoryBudgetBytes: Int
    /// Body bytes all queues together keep in memory (`queues.global_memory_budget_bytes`); 0 turns paging off.
    public var globalMemoryBudgetBytes: Int
    /// Whether the next window of a draining queue's paged messages is read on a thread of its own
    /// (`queues.read_ahead_thread`); false: every window is read on the engine loop when it is needed.
    public var readAheadThread: Bool

    public init(
        memoryBudgetBytes: Int = 64 << 20, globalMemoryBudgetBytes: Int = 512 << 20, readAheadThread: Bool = true
    ) {
        self.memoryBudgetBytes = memoryBudgetBytes
        self.globalMemoryBudgetBytes = globalMemoryBudgetBytes
        self.readAheadThread = readAheadThread
    }

    static let memoryBudgetBytesKey: ConfigKey = "queues.memory_budget_bytes"
    static let globalMemoryBudgetBytesKey: ConfigKey = "queues.global_memory_budget_bytes"
    static let readAheadThreadKey: ConfigKey = "queues.read_ahead_thread"

    init(reading reader: ConfigReader) throws {
        do {
            self.init(
                memoryBudgetBytes: try reader.requiredInt(forKey: Self.memoryBudgetBytesKey),
                globalMemoryBudgetBytes: try reader.requiredInt(forKey: Self.globalMemoryBudgetBytesKey),
                readAheadThread: try reader.requiredBool(forKey: Self.readAheadThreadKey))
        } catch {
            throw ConfigurationError("queues: \(error)")
        }
    }

    var configValues: [AbsoluteConfigKey: ConfigValue] {
        [
            AbsoluteConfigKey(Self.memoryBudgetBytesKey): .init(.int(self.memoryBudgetBytes), isSecret: false),
            AbsoluteConfigKey(Self.globalMemoryBudgetBytesKey): .init(
                .int(self.globalMemoryBudgetBytes), isSecret: false),
            AbsoluteConfigKey(Self.readAheadThreadKey): .init(.bool(self.readAheadThread), isSecret: false),
        ]
    }

    func validate() throws {
        for (key, value) in [
            ("queues.memory_budget_bytes", self.memoryBudgetBytes),
            ("queues.global_memory_budget_bytes", self.globalMemoryBudgetBytes),
        ] where value != 0 && value < 65_536 {
            throw ConfigurationError("\(key): \(value) is neither 0 (no paging) nor at least 65536")
        }
    }
}
