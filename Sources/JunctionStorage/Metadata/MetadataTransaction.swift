import GRDB

/// The write handle given to `MetadataStore.write(_:)`: every call joins the enclosing
/// transaction, which commits when the closure returns and rolls back when it throws. Valid only
/// inside that closure. Deleting methods return whether something was deleted.
public struct MetadataTransaction {
    let database: Database
    let path: String

    init(database: Database, path: String) {
        self.database = database
        self.path = path
    }

    func execute(_ sql: String, _ arguments: StatementArguments = StatementArguments()) throws {
        do {
            try database.execute(sql: sql, arguments: arguments)
        } catch {
            throw MetadataStore.mapError(error, path: path, otherwise: .database)
        }
    }

    /// Runs one statement and returns the number of rows it changed.
    func changes(_ sql: String, _ arguments: StatementArguments) throws -> Int {
        try execute(sql, arguments)
        return database.changesCount
    }
}

@available(*, unavailable)
extension MetadataTransaction: Sendable {}

// MARK: - Virtual hosts, users, permissions

extension MetadataTransaction {
    /// Stores a virtual host; storing an existing one is a no-op.
    public func addVirtualHost(_ record: VirtualHostRecord) throws {
        try execute("INSERT OR IGNORE INTO virtual_hosts (name) VALUES (?)", [record.name])
    }

    /// Deletes a virtual host and everything in it: exchanges, queues, bindings, policies,
    /// permissions, topic permissions, consumer offsets, MQTT sessions and retained messages.
    @discardableResult
    public func deleteVirtualHost(named name: String) throws -> Bool {
        for table in [
            "bindings", "exchanges", "queues", "policies", "consumer_offsets", "mqtt_subscriptions",
            "mqtt_sessions", "mqtt_retained_messages", "permissions", "topic_permissions",
        ] {
            try execute("DELETE FROM \(table) WHERE virtual_host = ?", [name])
        }
        return try changes("DELETE FROM virtual_hosts WHERE name = ?", [name]) > 0
    }

    /// Stores a user, replacing the password hash and tags of an existing one.
    public func putUser(_ record: UserRecord) throws {
        let tags = try UserTags.encode(record.tags)
        try execute(
            """
            INSERT INTO users (name, password_hash, tags) VALUES (?, ?, ?)
            ON CONFLICT (name) DO UPDATE SET password_hash = excluded.password_hash, tags = excluded.tags
            """,
            [record.name, record.passwordHash, tags]
        )
    }

    /// Deletes a user and its permissions.
    @discardableResult
    public func deleteUser(named name: String) throws -> Bool {
        try changes("DELETE FROM users WHERE name = ?", [name]) > 0
    }

    /// Stores (or replaces) a user's permissions in a virtual host.
    /// - Throws: `MetadataStoreError` `.constraintViolation` if the user or virtual host is missing.
    public func setPermission(_ record: PermissionRecord) throws {
        try execute(
            """
            INSERT INTO permissions (user, virtual_host, configure_pattern, write_pattern, read_pattern)
            VALUES (?, ?, ?, ?, ?)
            ON CONFLICT (user, virtual_host) DO UPDATE SET
                configure_pattern = excluded.configure_pattern,
                write_pattern = excluded.write_pattern,
                read_pattern = excluded.read_pattern
            """,
            [record.user, record.virtualHost, record.configure, record.write, record.read]
        )
    }

    @discardableResult
    public func clearPermission(user: String, virtualHost: String) throws -> Bool {
        try changes("DELETE FROM permissions WHERE user = ? AND virtual_host = ?", [user, virtualHost]) > 0
    }

    /// Stores (or replaces) a user's topic permission on one exchange of a virtual host.
    /// - Throws: `MetadataStoreError` `.constraintViolation` if the user or virtual host is missing.
    public func setTopicPermission(_ record: TopicPermissionRecord) throws {
        try execute(
            """
            INSERT INTO topic_permissions (user, virtual_host, exchange, write_pattern, read_pattern)
            VALUES (?, ?, ?, ?, ?)
            ON CONFLICT (user, virtual_host, exchange) DO UPDATE SET
                write_pattern = excluded.write_pattern,
                read_pattern = excluded.read_pattern
            """,
            [record.user, record.virtualHost, record.exchange, record.write, record.read]
        )
    }

    /// Deletes one exchange's topic permission, or (with `exchange` nil) all of the user's in the
    /// virtual host; returns whether any existed.
    @discardableResult
    public func clearTopicPermission(user: String, virtualHost: String, exchange: String? = nil) throws -> Bool {
        guard let exchange else {
            return try changes(
                "DELETE FROM topic_permissions WHERE user = ? AND virtual_host = ?", [user, virtualHost]) > 0
        }
        return try changes(
            "DELETE FROM topic_permissions WHERE user = ? AND virtual_host = ? AND exchange = ?",
            [user, virtualHost, exchange]) > 0
    }
}

// MARK: - Exchanges, queues, bindings

extension MetadataTransaction {
    /// Stores an exchange, replacing the properties of an existing one with the same name.
    /// (Whether a redeclaration is equivalent is the engine's decision, made before this call.)
    public func declareExchange(_ record: ExchangeRecord) throws {
        try execute(
            """
            INSERT INTO exchanges (virtual_host, name, type, durable, auto_delete, internal, arguments)
            VALUES (?, ?, ?, ?, ?, ?, coalesce(?, x''))
            ON CONFLICT (virtual_host, name) DO UPDATE SET
                type = excluded.type, durable = excluded.durable, auto_delete = excluded.auto_delete,
                internal = excluded.internal, arguments = excluded.arguments
            """,
            [
                record.virtualHost, record.name, record.type, record.durable, record.autoDelete,
                record.internal, MetadataValue.blob(record.arguments),
            ]
        )
    }

    /// Deletes an exchange and every binding where it is the source or the destination.
    @discardableResult
    public func deleteExchange(virtualHost: String, name: String) throws -> Bool {
        try execute(
            """
            DELETE FROM bindings WHERE virtual_host = ?
                AND (source = ? OR (destination_kind = 'exchange' AND destination = ?))
            """,
            [virtualHost, name, name]
        )
        return try changes("DELETE FROM exchanges WHERE virtual_host = ? AND name = ?", [virtualHost, name]) > 0
    }

    /// Stores a queue (replacing the properties of an existing one) and adds `bindings`
    /// (existing ones are kept as they are).
    public func declareQueue(_ record: QueueRecord, bindings: [BindingRecord] = []) throws {
        try execute(
            """
            INSERT INTO queues (virtual_host, name, kind, durable, exclusive, auto_delete, arguments)
            VALUES (?, ?, ?, ?, ?, ?, coalesce(?, x''))
            ON CONFLICT (virtual_host, name) DO UPDATE SET
                kind = excluded.kind, durable = excluded.durable, exclusive = excluded.exclusive,
                auto_delete = excluded.auto_delete, arguments = excluded.arguments
            """,
            [
                record.virtualHost, record.name, record.kind.rawValue, record.durable, record.exclusive,
                record.autoDelete, MetadataValue.blob(record.arguments),
            ]
        )
        for binding in bindings {
            try addBinding(binding)
        }
    }

    /// Sets a stored queue's delivery delay (ms; 0 clears it). Returns false if no such queue is stored.
    @discardableResult
    public func setQueueDeliveryDelay(virtualHost: String, name: String, milliseconds: UInt64) throws -> Bool {
        try changes(
            "UPDATE queues SET delivery_delay_ms = ? WHERE virtual_host = ? AND name = ?",
            [Int64(clamping: milliseconds), virtualHost, name]) > 0
    }

    /// Deletes a queue, the bindings to it and, for a stream, its consumer-group offsets.
    @discardableResult
    public func deleteQueue(virtualHost: String, name: String) throws -> Bool {
        try execute(
            "DELETE FROM bindings WHERE virtual_host = ? AND destination_kind = 'queue' AND destination = ?",
            [virtualHost, name]
        )
        try execute("DELETE FROM consumer_offsets WHERE virtual_host = ? AND stream = ?", [virtualHost, name])
        return try changes("DELETE FROM queues WHERE virtual_host = ? AND name = ?", [virtualHost, name]) > 0
    }

    /// Stores a binding. Returns false if the identical binding was already stored.
    @discardableResult
    public func addBinding(_ record: BindingRecord) throws -> Bool {
        try changes(
            """
            INSERT OR IGNORE INTO bindings
                (virtual_host, source, destination_kind, destination, routing_key, arguments)
            VALUES (?, ?, ?, ?, ?, coalesce(?, x''))
            """,
            [
                record.virtualHost, record.source, record.destinationKind.rawValue, record.destination,
                record.routingKey, MetadataValue.blob(record.arguments),
            ]
        ) > 0
    }

    /// Deletes the binding equal to `record` in every field.
    @discardableResult
    public func removeBinding(_ record: BindingRecord) throws -> Bool {
        try changes(
            """
            DELETE FROM bindings WHERE virtual_host = ? AND source = ? AND destination_kind = ?
                AND destination = ? AND routing_key = ? AND arguments = coalesce(?, x'')
            """,
            [
                record.virtualHost, record.source, record.destinationKind.rawValue, record.destination,
                record.routingKey, MetadataValue.blob(record.arguments),
            ]
        ) > 0
    }
}

// MARK: - Policies and consumer offsets

extension MetadataTransaction {
    /// Stores a policy, replacing an existing one of the same kind with the same name.
    public func setPolicy(_ record: PolicyRecord) throws {
        try execute(
            """
            INSERT INTO policies (virtual_host, kind, name, pattern, apply_to, definition, priority)
            VALUES (?, ?, ?, ?, ?, ?, ?)
            ON CONFLICT (virtual_host, kind, name) DO UPDATE SET
                pattern = excluded.pattern, apply_to = excluded.apply_to,
                definition = excluded.definition, priority = excluded.priority
            """,
            [
                record.virtualHost, record.kind.rawValue, record.name, record.pattern, record.applyTo.rawValue,
                record.definition,
                record.priority,
            ]
        )
    }

    @discardableResult
    public func clearPolicy(virtualHost: String, name: String, kind: PolicyRecord.Kind = .user) throws -> Bool {
        try changes(
            "DELETE FROM policies WHERE virtual_host = ? AND kind = ? AND name = ?", [virtualHost, kind.rawValue, name]
        ) > 0
    }

    /// Stores a consumer group's committed offset, replacing the previous one (an upsert; the
    /// offset may move backwards, e.g. when a group is reset).
    public func commitConsumerOffset(_ record: ConsumerOffsetRecord) throws {
        try execute(
            """
            INSERT INTO consumer_offsets (virtual_host, stream, consumer_group, committed_offset, updated_at)
            VALUES (?, ?, ?, ?, ?)
            ON CONFLICT (virtual_host, stream, consumer_group) DO UPDATE SET
                committed_offset = excluded.committed_offset, updated_at = excluded.updated_at
            """,
            [
                record.virtualHost, record.stream, record.group, MetadataValue.unsigned(record.offset),
                MetadataValue.unsigned(record.updatedAtMilliseconds),
            ]
        )
    }

    @discardableResult
    public func deleteConsumerOffset(virtualHost: String, stream: String, group: String) throws -> Bool {
        try changes(
            "DELETE FROM consumer_offsets WHERE virtual_host = ? AND stream = ? AND consumer_group = ?",
            [virtualHost, stream, group]
        ) > 0
    }
}

extension MetadataTransaction {
    /// Runs `body` in a savepoint: if it throws, what it wrote is undone and the error rethrown,
    /// and the rest of the transaction goes on (one group commit of many independent writes).
    public func savepoint(_ body: () throws -> Void) throws {
        try self.database.inSavepoint {
            try body()
            return .commit
        }
    }
}

// MARK: - MQTT

extension MetadataTransaction {
    /// Stores a session with exactly the given subscriptions (an existing session and all of
    /// its subscriptions are replaced).
    public func saveMQTTSession(_ record: MQTTSessionRecord) throws {
        try execute(
            """
            INSERT INTO mqtt_sessions
                (virtual_host, client_id, clean_start, expiry_interval, protocol_level, last_seen,
                 inbound_awaiting_release, awaiting_completion, owner)
            VALUES (?, ?, ?, ?, ?, ?, coalesce(?, x''), coalesce(?, x''), ?)
            ON CONFLICT (virtual_host, client_id) DO UPDATE SET
                clean_start = excluded.clean_start, expiry_interval = excluded.expiry_interval,
                protocol_level = excluded.protocol_level, last_seen = excluded.last_seen,
                inbound_awaiting_release = excluded.inbound_awaiting_release,
                awaiting_completion = excluded.awaiting_completion, owner = excluded.owner
            """,
            [
                record.virtualHost, record.clientID, record.cleanStart, Int64(record.expiryIntervalSeconds),
                Int64(record.protocolLevel), MetadataValue.unsigned(record.lastSeenMilliseconds),
                MetadataValue.blob(MQTTPacketIDs.encode(record.inboundAwaitingRelease)),
                MetadataValue.blob(MQTTPacketIDs.encode(record.awaitingCompletion)),
                record.owner,
            ]
        )
        try execute(
            "DELETE FROM mqtt_subscriptions WHERE virtual_host = ? AND client_id = ?",
            [record.virtualHost, record.clientID]
        )
        for subscription in record.subscriptions {
            try addMQTTSubscription(subscription, virtualHost: record.virtualHost, clientID: record.clientID)
        }
    }

    /// Deletes a session and its subscriptions.
    @discardableResult
    public func deleteMQTTSession(virtualHost: String, clientID: String) throws -> Bool {
        try changes(
            "DELETE FROM mqtt_sessions WHERE virtual_host = ? AND client_id = ?",
            [virtualHost, clientID]
        ) > 0
    }

    /// Records when the session's client was last seen. Returns false if there is no such session.
    @discardableResult
    public func touchMQTTSession(virtualHost: String, clientID: String, lastSeenMilliseconds: UInt64) throws -> Bool {
        try changes(
            "UPDATE mqtt_sessions SET last_seen = ? WHERE virtual_host = ? AND client_id = ?",
            [MetadataValue.unsigned(lastSeenMilliseconds), virtualHost, clientID]
        ) > 0
    }

    /// Replaces a stored session's QoS 2 packet ids in flight and stamps it with the time, without
    /// rewriting its subscriptions (the frequent write of a QoS 2 flow). Returns false if there is
    /// no such session.
    @discardableResult
    public func updateMQTTSessionInFlight(
        virtualHost: String,
        clientID: String,
        inboundAwaitingRelease: Set<UInt16>,
        awaitingCompletion: Set<UInt16>,
        lastSeenMilliseconds: UInt64
    ) throws -> Bool {
        try changes(
            """
            UPDATE mqtt_sessions SET inbound_awaiting_release = coalesce(?, x''),
                awaiting_completion = coalesce(?, x''), last_seen = ?
            WHERE virtual_host = ? AND client_id = ?
            """,
            [
                MetadataValue.blob(MQTTPacketIDs.encode(inboundAwaitingRelease)),
                MetadataValue.blob(MQTTPacketIDs.encode(awaitingCompletion)),
                MetadataValue.unsigned(lastSeenMilliseconds), virtualHost, clientID,
            ]
        ) > 0
    }

    /// Adds a subscription to a stored session, replacing the one with the same topic filter.
    /// - Throws: `MetadataStoreError` `.constraintViolation` if the session is not stored.
    public func addMQTTSubscription(_ record: MQTTSubscriptionRecord, virtualHost: String, clientID: String) throws {
        try execute(
            """
            INSERT INTO mqtt_subscriptions (virtual_host, client_id, topic_filter, qos, no_local,
                retain_as_published, retain_handling, subscription_identifier)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?)
            ON CONFLICT (virtual_host, client_id, topic_filter) DO UPDATE SET
                qos = excluded.qos, no_local = excluded.no_local,
                retain_as_published = excluded.retain_as_published,
                retain_handling = excluded.retain_handling,
                subscription_identifier = excluded.subscription_identifier
            """,
            [
                virtualHost, clientID, record.topicFilter, Int64(record.qos), record.noLocal,
                record.retainAsPublished, Int64(record.retainHandling), record.subscriptionIdentifier.map { Int64($0) },
            ]
        )
    }

    @discardableResult
    public func removeMQTTSubscription(virtualHost: String, clientID: String, topicFilter: String) throws -> Bool {
        try changes(
            "DELETE FROM mqtt_subscriptions WHERE virtual_host = ? AND client_id = ? AND topic_filter = ?",
            [virtualHost, clientID, topicFilter]
        ) > 0
    }

    /// Stores the retained message of a topic, replacing the previous one. An empty payload
    /// clears the topic's retained message instead (MQTT semantics).
    public func retainMQTTMessage(_ record: MQTTRetainedMessageRecord) throws {
        if record.payload.isEmpty {
            try deleteMQTTRetainedMessage(virtualHost: record.virtualHost, topic: record.topic)
            return
        }
        try execute(
            """
            INSERT INTO mqtt_retained_messages (virtual_host, topic, payload, qos, properties, stored_at)
            VALUES (?, ?, ?, ?, coalesce(?, x''), ?)
            ON CONFLICT (virtual_host, topic) DO UPDATE SET
                payload = excluded.payload, qos = excluded.qos, properties = excluded.properties,
                stored_at = excluded.stored_at
            """,
            [
                record.virtualHost, record.topic, MetadataValue.blob(record.payload), Int64(record.qos),
                MetadataValue.blob(record.properties), MetadataValue.unsigned(record.storedAtMilliseconds),
            ]
        )
    }

    @discardableResult
    public func deleteMQTTRetainedMessage(virtualHost: String, topic: String) throws -> Bool {
        try changes(
            "DELETE FROM mqtt_retained_messages WHERE virtual_host = ? AND topic = ?",
            [virtualHost, topic]
        ) > 0
    }
}
