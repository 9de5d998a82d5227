/// Topic names and filters (section 4.7): validation, matching, and the mapping onto AMQP topic
/// routing keys (`/` ↔ `.`, `.` ↔ `/`, `+` ↔ `*`, `#` ↔ `#`).
public enum MQTTTopic {
    /// A topic name for PUBLISH: non-empty, no wildcards [MQTT-3.3.2-2], no U+0000 (checked by the codec).
    public static func isValidName(_ topic: String) -> Bool {
        guard !topic.isEmpty, topic.utf8.count <= 65_535 else { return false }
        return !topic.utf8.contains(where: { $0 == UInt8(ascii: "+") || $0 == UInt8(ascii: "#") })
    }

    /// A topic filter: `#` only as the whole last level, `+` only as a whole level [MQTT-4.7.1].
    public static func isValidFilter(_ filter: String) -> Bool {
        guard !filter.isEmpty else { return false }
        let levels = filter.utf8.split(separator: UInt8(ascii: "/"), omittingEmptySubsequences: false)
        for (index, level) in levels.enumerated() {
            if level.contains(UInt8(ascii: "#")) {
                guard level.count == 1, index == levels.count - 1 else { return false }
            }
            if level.contains(UInt8(ascii: "+")) {
                guard level.count == 1 else { return false }
            }
        }
        return true
    }

    /// Whether `topic` matches `filter`. Topics starting with `$` are not matched by a filter
    /// starting with a wildcard [MQTT-4.7.2-1]. Walks both UTF-8 views once, without allocating.
    public static func matches(filter: String, topic: String) -> Bool {
        let slash = UInt8(ascii: "/")
        let plus = UInt8(ascii: "+")
        let hash = UInt8(ascii: "#")
        let f = filter.utf8
        let t = topic.utf8
        if t.first == UInt8(ascii: "$") && (f.first == plus || f.first == hash) { return false }
        var fi = f.startIndex
        var ti = t.startIndex
        while true {
            // One level of each: [fi, fEnd) and [ti, tEnd).
            var fEnd = fi
            while fEnd != f.endIndex && f[fEnd] != slash { fEnd = f.index(after: fEnd) }
            var tEnd = ti
            while tEnd != t.endIndex && t[tEnd] != slash { tEnd = t.index(after: tEnd) }
            let single = fi != fEnd && f.index(after: fi) == fEnd
            if single && f[fi] == hash { return true }
            if !(single && f[fi] == plus) && !f[fi..<fEnd].elementsEqual(t[ti..<tEnd]) { return false }
            let filterHasMore = fEnd != f.endIndex
            let topicHasMore = tEnd != t.endIndex
            guard filterHasMore else { return !topicHasMore }
            fi = f.index(after: fEnd)
            guard topicHasMore else {
                // `a/#` also matches `a` [MQTT-4.7.1-2].
                return fi != f.endIndex && f[fi] == hash && f.index(after: fi) == f.endIndex
            }
            ti = t.index(after: tEnd)
        }
    }

    /// `a/b/c` → `a.b.c`; a `.` inside a level becomes `/` so the mapping is reversible.
    public static func routingKey(forTopic topic: String) -> String {
        Self.swapSeparators(topic)
    }

    /// `a.b.c` → `a/b/c`.
    public static func topic(forRoutingKey routingKey: String) -> String {
        Self.swapSeparators(routingKey)
    }

    /// `sensors/+/temp` → `sensors.*.temp`, `a/#` → `a.#`.
    public static func bindingKey(forFilter filter: String) -> String {
        var bytes = Array(filter.utf8)
        for index in bytes.indices {
            switch bytes[index] {
            case UInt8(ascii: "/"): bytes[index] = UInt8(ascii: ".")
            case UInt8(ascii: "."): bytes[index] = UInt8(ascii: "/")
            case UInt8(ascii: "+"): bytes[index] = UInt8(ascii: "*")
            default: break
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// One allocation: the new string, written in place.
    private static func swapSeparators(_ text: String) -> String {
        let source = text.utf8
        return String(unsafeUninitializedCapacity: source.count) { buffer in
            var index = 0
            for byte in source {
                switch byte {
                case UInt8(ascii: "/"): buffer[index] = UInt8(ascii: ".")
                case UInt8(ascii: "."): buffer[index] = UInt8(ascii: "/")
                default: buffer[index] = byte
                }
                index += 1
            }
            return index
        }
    }

    /// Parses `$share/{group}/{filter}` (MQTT 5 shared subscriptions, section 4.8.2).
    public static func sharedSubscription(_ filter: String) -> MQTTSharedFilter {
        guard filter.hasPrefix("$share/") else { return .notShared }
        let rest = filter.dropFirst("$share/".count)
        guard let slash = rest.firstIndex(of: "/") else { return .invalid }
        let group = rest[..<slash]
        let inner = rest[rest.index(after: slash)...]
        guard !group.isEmpty, !group.contains("+"), !group.contains("#"), !inner.isEmpty else { return .invalid }
        return .shared(group: String(group), filter: String(inner))
    }
}

/// What a SUBSCRIBE filter is with respect to shared subscriptions.
public enum MQTTSharedFilter: Equatable, Sendable {
    case notShared
    case shared(group: String, filter: String)
    /// `$share/` without a valid group name or filter.
    case invalid
}
