import JunctionModel

/// The arguments of deduplication (the community plugin's `x-message-deduplication`, with the
/// cache limits of its exchange) and of message groups (`x-message-groups`).
struct DeduplicationSettings: Equatable {
    /// `x-cache-size`: ids remembered at most (the oldest is forgotten first); nil: the broker's
    /// `limits.max_deduplication_cache_entries`.
    var cacheSize: Int?
    /// `x-cache-ttl`: with it, an id is remembered for this many milliseconds after the publish that
    /// stored it, whether or not its message was consumed meanwhile (the plugin's exchange window, and
    /// SQS FIFO's five minutes). Without it, as the plugin's queues do, an id is remembered while its
    /// message is in the queue (ready or unacknowledged).
    var cacheTTL: UInt64?
    /// `x-cache-persistence` (the plugin's exchange argument, here for queues): whether a durable queue's
    /// window survives a restart. nil: the default, `disk` for durable queues (their ids last as long as
    /// their messages do), `memory` otherwise; `disk` on a transient queue is refused at declaration.
    var persistence: DeduplicationPersistence?
}

enum DeduplicationPersistence: String {
    case memory
    case disk
}

extension QueueArguments {
    static let deduplicationHeader = "x-deduplication-header"
    static let groupHeader = "x-group-id"

    static func deduplication(_ table: FieldTable, queue: String) throws(BrokerError) -> DeduplicationSettings? {
        let enabled = try Self.flag(table, "x-message-deduplication", queue: queue)
        let size = try Self.positiveInteger(table, "x-cache-size", queue: queue)
        let ttl = try Self.positiveInteger(table, "x-cache-ttl", queue: queue)
        var persistence: DeduplicationPersistence?
        if let value = table["x-cache-persistence"] {
            guard let text = value.stringValue, let parsed = DeduplicationPersistence(rawValue: text) else {
                throw .preconditionFailed(
                    "invalid arg 'x-cache-persistence' for queue '\(queue)': \(value) ('memory' or 'disk')")
            }
            persistence = parsed
        }
        guard enabled else {
            for key in ["x-cache-size", "x-cache-ttl", "x-cache-persistence"] where table[key] != nil {
                throw .preconditionFailed(
                    "invalid arg '\(key)' for queue '\(queue)': requires x-message-deduplication: true")
            }
            return nil
        }
        return DeduplicationSettings(
            cacheSize: size.map(Int.init), cacheTTL: ttl.map(UInt64.init), persistence: persistence)
    }

    /// A boolean argument (absent: false). Other types are refused, as for `x-single-active-consumer`.
    static func flag(_ table: FieldTable, _ key: String, queue: String) throws(BrokerError) -> Bool {
        guard let value = table[key] else { return false }
        guard case .boolean(let flag) = value else {
            throw .preconditionFailed("invalid arg '\(key)' for queue '\(queue)': \(value)")
        }
        return flag
    }

    /// A positive integer, given as any integer type or as a decimal string (the plugin's examples
    /// pass `x-cache-size` as a string).
    static func positiveInteger(_ table: FieldTable, _ key: String, queue: String) throws(BrokerError) -> Int64? {
        guard let value = table[key] else { return nil }
        let number = value.integerValue ?? value.stringValue.flatMap { Int64($0) }
        guard let number, number >= 1 else {
            throw .preconditionFailed("invalid arg '\(key)' for queue '\(queue)': \(value) (a positive integer)")
        }
        return number
    }
}

extension Message {
    /// The text of header `name`, as a key for deduplication or grouping: a string as it is, an
    /// integer in decimal, bytes as UTF-8; nil when absent or of another type.
    func headerKey(_ name: String) -> String? {
        guard let value = self.properties.headers?[name] else { return nil }
        switch value {
        case .longString(let bytes), .byteArray(let bytes): return String(decoding: bytes, as: UTF8.self)
        default: return value.integerValue.map { String($0) }
        }
    }
}
