import GRDB

extension MetadataStore {
    /// Every table, read in one transaction: what start-up recovery rebuilds the broker from.
    public func loadAll() throws -> MetadataSnapshot {
        try read { db in try MetadataLoader(database: db).snapshot() }
    }

    /// The committed offset of a stream's consumer group, or nil if it never committed.
    public func consumerOffset(virtualHost: String, stream: String, group: String) throws -> ConsumerOffsetRecord? {
        try read { db in
            try MetadataLoader(database: db).consumerOffsets(
                where: "WHERE virtual_host = ? AND stream = ? AND consumer_group = ?",
                [virtualHost, stream, group]
            ).first
        }
    }

    /// One stored MQTT session with its subscriptions, or nil.
    public func mqttSession(virtualHost: String, clientID: String) throws -> MQTTSessionRecord? {
        try read { db in
            try MetadataLoader(database: db).mqttSessions(
                where: "WHERE virtual_host = ? AND client_id = ?",
                [virtualHost, clientID]
            ).first
        }
    }

    /// The retained messages of a virtual host whose topic starts with `topicPrefix` (all of
    /// them for ""), sorted by topic. A range scan of the primary key, not a table scan.
    public func mqttRetainedMessages(
        virtualHost: String, topicPrefix: String = ""
    ) throws
        -> [MQTTRetainedMessageRecord]
    {
        try read { db in
            let loader = MetadataLoader(database: db)
            guard let upperBound = TopicPrefixRange.exclusiveUpperBound(of: topicPrefix) else {
                return try loader.mqttRetainedMessages(
                    where: "WHERE virtual_host = ? AND topic >= ?",
                    [virtualHost, topicPrefix]
                )
            }
            return try loader.mqttRetainedMessages(
                where: "WHERE virtual_host = ? AND topic >= ? AND topic < ?",
                [virtualHost, topicPrefix, upperBound]
            )
        }
    }
}
