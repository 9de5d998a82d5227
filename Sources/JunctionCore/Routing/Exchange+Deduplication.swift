import JunctionModel

/// The community deduplication plugin's exchange type `x-message-deduplication`: it routes like
/// `fanout`, but a message whose header `x-deduplication-header` it has seen within its cache is not
/// routed (it matches nothing: with `mandatory` it comes back, like any unroutable message; an
/// alternate exchange takes it, as RabbitMQ routes any message its exchange type routes nowhere).
/// A message without the header is always routed. The publish is confirmed either way.
///
/// Arguments, as the plugin's: `x-cache-size` (required: ids kept at most, the oldest forgotten
/// first; at most `limits.max_deduplication_cache_entries`), `x-cache-ttl` (optional, ms an id is
/// kept; without it, until the size pushes it out), `x-cache-persistence` (`memory`, the default;
/// `disk` is refused: Junction keeps the cache in memory only, so it starts empty after a restart).
/// A message header `x-cache-ttl` (ms) overrides the exchange's for that message, as in the plugin.
extension Exchange {
    static func deduplicationCache(
        _ arguments: FieldTable, exchange: String, maxEntries: Int
    ) throws(BrokerError) -> DeduplicationCache {
        guard let size = try QueueArguments.positiveInteger(arguments, "x-cache-size", queue: exchange) else {
            throw .preconditionFailed(
                "invalid arguments for exchange '\(exchange)': x-message-deduplication needs 'x-cache-size'")
        }
        guard size <= maxEntries else {
            throw .preconditionFailed(
                "invalid arg 'x-cache-size' for exchange '\(exchange)': \(size) is over the limit of \(maxEntries) "
                    + "(limits.max_deduplication_cache_entries)")
        }
        let ttl = try QueueArguments.positiveInteger(arguments, "x-cache-ttl", queue: exchange)
        if let persistence = arguments["x-cache-persistence"] {
            guard persistence.stringValue == "memory" else {
                throw .preconditionFailed(
                    "invalid arg 'x-cache-persistence' for exchange '\(exchange)': \(persistence) "
                        + "(only 'memory' is supported by Junction)")
            }
        }
        return DeduplicationCache(capacity: Int(size), timeToLive: ttl.map(UInt64.init))
    }

    /// Remembers the message's id; false when it is a duplicate (it is then not routed).
    func admitDeduplicated(_ message: Message, now: UInt64) -> Bool {
        guard let id = message.headerKey(QueueArguments.deduplicationHeader) else { return true }
        let ttl = message.properties.headers?["x-cache-ttl"]?.integerValue.flatMap { $0 > 0 ? UInt64($0) : nil }
        return self.deduplication!.insert(id, now: now, timeToLive: ttl)
    }

    /// Ids this exchange remembers now (nil for other types).
    public var deduplicationCacheCount: Int? { self.deduplication?.count }
}
