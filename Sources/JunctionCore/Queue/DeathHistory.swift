import JunctionModel

/// RabbitMQ's `x-death` header: an array of tables, most recent first, one per (queue, reason),
/// each `count, reason, queue, time, exchange, routing-keys` (+ `original-expiration`), plus the
/// `x-first-death-*` headers set on the first dead-lettering.
enum DeathHistory {
    static func record(
        in message: inout Message,
        queue: String,
        reason: DeathReason,
        timeSeconds: UInt64
    ) {
        var headers = message.properties.headers ?? FieldTable()
        var deaths: [FieldValue] = []
        if case .array(let existing) = headers["x-death"] { deaths = existing }
        let index = deaths.firstIndex { value in
            guard case .table(let table) = value else { return false }
            return table["queue"]?.stringValue == queue && table["reason"]?.stringValue == reason.rawValue
        }
        if let index, case .table(var table) = deaths[index] {
            let count = table["count"]?.integerValue ?? 0
            table["count"] = .int64(count + 1)
            deaths.remove(at: index)
            deaths.insert(.table(table), at: 0)
        } else {
            var table: FieldTable = [
                "count": .int64(1),
                "reason": .string(reason.rawValue),
                "queue": .string(queue),
                "time": .timestamp(timeSeconds),
                "exchange": .string(message.exchange),
                "routing-keys": .array([.string(message.routingKey)]),
            ]
            if let expiration = message.properties.expiration {
                table["original-expiration"] = .string(expiration)
            }
            deaths.insert(.table(table), at: 0)
        }
        headers["x-death"] = .array(deaths)
        if headers["x-first-death-reason"] == nil {
            headers["x-first-death-reason"] = .string(reason.rawValue)
            headers["x-first-death-queue"] = .string(queue)
            headers["x-first-death-exchange"] = .string(message.exchange)
        }
        message.properties.headers = headers
    }

    /// A dead-letter cycle: the message already died in `queue`, and no death on the way back to
    /// that queue was a client rejection (which would make the loop client-driven and allowed).
    static func isCycle(_ message: Message, to queue: String) -> Bool {
        guard case .array(let deaths) = message.properties.headers?["x-death"] else { return false }
        for case .table(let table) in deaths {
            if table["reason"]?.stringValue == DeathReason.rejected.rawValue { return false }
            if table["queue"]?.stringValue == queue { return true }
        }
        return false
    }
}
