/// The engine queue of an MQTT shared subscription `$share/<group>/<filter>`: one queue per group
/// and filter, which every member of the group consumes from.
public enum MQTTSharedQueueName {
    static let prefix = "mqtt-share/"
    /// Names before issue 13 (`mqtt-shared-<group>-<filter>`) were ambiguous: `$share/a-b/c` and
    /// `$share/a/b-c` got one queue. The server renames durable ones at start-up.
    public static let legacyPrefix = "mqtt-shared-"

    /// `mqtt-share/<group>/<filter>`: a share name never contains `/` [MQTT-4.8.2-2], so the first
    /// `/` after the prefix ends the group and every (group, filter) pair has its own name.
    public static func name(group: String, filter: String) -> String { Self.prefix + group + "/" + filter }

    /// The legacy name of a (group, filter) pair.
    public static func legacyName(group: String, filter: String) -> String {
        Self.legacyPrefix + group + "-" + filter
    }

    /// The (group, filter) pairs a legacy queue name stands for, as its bindings on the MQTT
    /// exchange tell (each binding key is `MQTTTopic.bindingKey(forFilter:)` of the filter that
    /// declared it): one pair per binding key that a split of the name at a `-` explains. Two
    /// pairs mean the queue was shared by two groups whose names collided.
    public static func legacyPairs(
        of name: String, bindingKeys: some Sequence<String>
    ) -> [(group: String, filter: String)] {
        guard name.hasPrefix(Self.legacyPrefix) else { return [] }
        let rest = Substring(name.dropFirst(Self.legacyPrefix.count))
        var pairs: [(group: String, filter: String)] = []
        for key in Set(bindingKeys).sorted() {
            var index = rest.startIndex
            while let dash = rest[index...].firstIndex(of: "-") {
                let group = String(rest[..<dash])
                let filter = String(rest[rest.index(after: dash)...])
                if !group.isEmpty, !filter.isEmpty, !group.contains("/"), !group.contains("+"),
                    !group.contains("#"), MQTTTopic.bindingKey(forFilter: filter) == key
                {
                    pairs.append((group, filter))
                    break
                }
                index = rest.index(after: dash)
            }
        }
        return pairs
    }
}
