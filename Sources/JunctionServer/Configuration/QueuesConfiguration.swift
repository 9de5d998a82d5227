import Configuration

/// How much of the queued message bodies stays in memory (the `queues` section). Past a budget, a
/// queue keeps a 32-byte index entry per new message and leaves its body on disk: the queue log of
/// a durable queue for persistent messages, a spill log under `<data_dir>/spill` for the rest.
public struct QueuesConfiguration: Sendable, Hashable {
    /// Body bytes one queue keeps in memory (`queues.memory_budget_bytes`); 0 turns paging off.
    public var memoryBudgetBytes: Int
    /// Body bytes all queues together keep in memory (`queues.global_memory_budget_bytes`); 0 turns paging off.
    public var globalMemoryBudgetBytes: Int

    public init(memoryBudgetBytes: Int = 64 << 20, globalMemoryBudgetBytes: Int = 512 << 20) {
        self.memoryBudgetBytes = memoryBudgetBytes
        self.globalMemoryBudgetBytes = globalMemoryBudgetBytes
    }

    static let memoryBudgetBytesKey: ConfigKey = "queues.memory_budget_bytes"
    static let globalMemoryBudgetBytesKey: ConfigKey = "queues.global_memory_budget_bytes"

    init(reading reader: ConfigReader) throws {
        do {
            self.init(
                memoryBudgetBytes: try reader.requiredInt(forKey: Self.memoryBudgetBytesKey),
                globalMemoryBudgetBytes: try reader.requiredInt(forKey: Self.globalMemoryBudgetBytesKey))
        } catch {
            throw ConfigurationError("queues: \(error)")
        }
    }

    var configValues: [AbsoluteConfigKey: ConfigValue] {
        [
            AbsoluteConfigKey(Self.memoryBudgetBytesKey): .init(.int(self.memoryBudgetBytes), isSecret: false),
            AbsoluteConfigKey(Self.globalMemoryBudgetBytesKey): .init(
                .int(self.globalMemoryBudgetBytes), isSecret: false),
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
