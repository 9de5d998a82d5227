import GRDB

/// Reads records out of the tables, each list sorted by primary key.
struct MetadataLoader {
    let database: Database

    func virtualHosts() throws -> [VirtualHostRecord] {
        try rows("virtual_hosts", "SELECT name FROM virtual_hosts ORDER BY name") { row in
            VirtualHostRecord(name: try row.text("name"))
        }
    }

    func users() throws -> [UserRecord] {
        try rows("users", "SELECT * FROM users ORDER BY name") { row in
            UserRecord(
                name: try row.text("name"),
                passwordHash: try row.text("password_hash"),
                tags: try UserTags.decode(try row.text("tags"))
            )
        }
    }

    func permissions() throws -> [PermissionRecord] {
        try rows("permissions", "SELECT * FROM permissions ORDER BY user, virtual_host") { row in
            PermissionRecord(
                user: try row.text("user"),
                virtualHost: try row.text("virtual_host"),
                configure: try row.text("configure_pattern"),
                write: try row.text("write_pattern"),
                read: try row.text("read_pattern")
            )
        }
    }

    func topicPermissions() throws -> [TopicPermissionRecord] {
        try rows("topic_permissions", "SELECT * FROM topic_permissions ORDER BY user, virtual_host, exchange") { row in
            TopicPermissionRecord(
                user: try row.text("user"),
                virtualHost: try row.text("virtual_host"),
                exchange: try row.text("exchange"),
                write: try row.text("write_pattern"),
                read: try row.text("read_pattern")
            )
        }
    }

    func exchanges() throws -> [ExchangeRecord] {
        try rows("exchanges", "SELECT * FROM exchanges ORDER BY virtual_host, name") { row in
            ExchangeRecord(
                virtualHost: try row.text("virtual_host"),
                name: try row.text("name"),
                type: try row.text("type"),
                durable: try row.bool("durable"),
                autoDelete: try row.bool("auto_delete"),
                internal: try row.bool("internal"),
                arguments: try row.bytes("arguments")
            )
        }
    }

    func queues() throws -> [QueueRecord] {
        try rows("queues", "SELECT * FROM queues ORDER BY virtual_host, name") { row in
            QueueRecord(
                virtualHost: try row.text("virtual_host"),
                name: try row.text("name"),
                kind: try row.enumeration("kind"),
                durable: try row.bool("durable"),
                exclusive: try row.bool("exclusive"),
                autoDelete: try row.bool("auto_delete"),
                arguments: try row.bytes("arguments"),
                deliveryDelayMilliseconds: UInt64(clamping: try row.integer("delivery_delay_ms"))
            )
        }
    }

    func bindings() throws -> [BindingRecord] {
        try rows(
            "bindings",
            "SELECT * FROM bindings ORDER BY virtual_host, source, destination_kind, destination, routing_key, arguments"
        ) { row in
            BindingRecord(
                virtualHost: try row.text("virtual_host"),
                source: try row.text("source"),
                destination: try row.text("destination"),
                destinationKind: try row.enumeration("destination_kind"),
                routingKey: try row.text("routing_key"),
                arguments: try row.bytes("arguments")
            )
        }
    }

    func policies() throws -> [PolicyRecord] {
        try rows("policies", "SELECT * FROM policies ORDER BY virtual_host, kind DESC, name") { row in
            PolicyRecord(
                virtualHost: try row.text("virtual_host"),
                name: try row.text("name"),
                pattern: try row.text("pattern"),
                applyTo: try row.enumeration("apply_to"),
                definition: try row.text("definition"),
                priority: try row.fixedWidth("priority"),
                kind: try row.enumeration("kind")
            )
        }
    }

    func consumerOffsets(
        where condition: String = "", _ arguments: StatementArguments = StatementArguments()
    )
        throws -> [ConsumerOffsetRecord]
    {
        try rows(
            "consumer_offsets",
            "SELECT * FROM consumer_offsets \(condition) ORDER BY virtual_host, stream, consumer_group",
            arguments
        ) { row in
            ConsumerOffsetRecord(
                virtualHost: try row.text("virtual_host"),
                stream: try row.text("stream"),
                group: try row.text("consumer_group"),
                offset: try row.unsigned64("committed_offset"),
                updatedAtMilliseconds: try row.unsigned64("updated_at")
            )
        }
    }

    func mqttSessions(
        where condition: String = "", _ arguments: StatementArguments = StatementArguments()
    )
        throws -> [MQTTSessionRecord]
    {
        var sessions = try rows(
            "mqtt_sessions",
            "SELECT * FROM mqtt_sessions \(condition) ORDER BY virtual_host, client_id",
            arguments
        ) { row in
            MQTTSessionRecord(
                virtualHost: try row.text("virtual_host"),
                clientID: try row.text("client_id"),
                cleanStart: try row.bool("clean_start"),
                expiryIntervalSeconds: try row.fixedWidth("expiry_interval"),
                protocolLevel: try row.fixedWidth("protocol_level"),
                lastSeenMilliseconds: try row.unsigned64("last_seen"),
                inboundAwaitingRelease: try row.packetIDs("inbound_awaiting_release"),
                awaitingCompletion: try row.packetIDs("awaiting_completion"),
                owner: try row.optionalText("owner")
            )
        }
        let subscriptions = try rows(
            "mqtt_subscriptions",
            "SELECT * FROM mqtt_subscriptions \(condition) ORDER BY virtual_host, client_id, topic_filter",
            arguments
        ) { row in
            (
                key: SessionKey(virtualHost: try row.text("virtual_host"), clientID: try row.text("client_id")),
                subscription: MQTTSubscriptionRecord(
                    topicFilter: try row.text("topic_filter"),
                    qos: try row.fixedWidth("qos"),
                    noLocal: try row.bool("no_local"),
                    retainAsPublished: try row.bool("retain_as_published"),
                    retainHandling: try row.fixedWidth("retain_handling"),
                    subscriptionIdentifier: try row.optionalFixedWidth("subscription_identifier")
                )
            )
        }
        var indexByKey: [SessionKey: Int] = [:]
        for (index, session) in sessions.enumerated() {
            indexByKey[SessionKey(virtualHost: session.virtualHost, clientID: session.clientID)] = index
        }
        for entry in subscriptions {
            if let index = indexByKey[entry.key] {
                sessions[index].subscriptions.append(entry.subscription)
            }
        }
        return sessions
    }

    func mqttRetainedMessages(
        where condition: String = "", _ arguments: StatementArguments = StatementArguments()
    )
        throws -> [MQTTRetainedMessageRecord]
    {
        try rows(
            "mqtt_retained_messages",
            "SELECT * FROM mqtt_retained_messages \(condition) ORDER BY virtual_host, topic",
            arguments
        ) { row in
            MQTTRetainedMessageRecord(
                virtualHost: try row.text("virtual_host"),
                topic: try row.text("topic"),
                payload: try row.bytes("payload"),
                qos: try row.fixedWidth("qos"),
                properties: try row.bytes("properties"),
                storedAtMilliseconds: try row.unsigned64("stored_at")
            )
        }
    }

    func snapshot() throws -> MetadataSnapshot {
        MetadataSnapshot(
            virtualHosts: try virtualHosts(),
            users: try users(),
            permissions: try permissions(),
            topicPermissions: try topicPermissions(),
            exchanges: try exchanges(),
            queues: try queues(),
            bindings: try bindings(),
            policies: try policies(),
            consumerOffsets: try consumerOffsets(),
            mqttSessions: try mqttSessions(),
            mqttRetainedMessages: try mqttRetainedMessages()
        )
    }

    private func rows<T>(
        _ table: String,
        _ sql: String,
        _ arguments: StatementArguments = StatementArguments(),
        _ decode: (MetadataRow) throws -> T
    ) throws -> [T] {
        let cursor = try Row.fetchCursor(database, sql: sql, arguments: arguments)
        var records: [T] = []
        while let row = try cursor.next() {
            records.append(try decode(MetadataRow(row: row, table: table)))
        }
        return records
    }

    private struct SessionKey: Hashable {
        var virtualHost: String
        var clientID: String
    }
}
