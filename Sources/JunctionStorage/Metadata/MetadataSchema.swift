import GRDB

/// The versioned schema. Migrations are append-only: a released migration is never edited,
/// a change is a new migration.
enum MetadataSchema {
    static let migrator: DatabaseMigrator = {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1", migrate: createVersion1)
        migrator.registerMigration("v2", migrate: createVersion2)
        migrator.registerMigration("mqtt_session_owner", migrate: addMQTTSessionOwner)
        migrator.registerMigration("topic_permissions", migrate: createTopicPermissions)
        migrator.registerMigration("operator_policies", migrate: addOperatorPolicies)
        migrator.registerMigration("queue_delivery_delay", migrate: addQueueDeliveryDelay)
        return migrator
    }()

    static func migrate(_ database: DatabaseQueue, path: String) throws {
        do {
            let superseded = try database.read { db in try migrator.hasBeenSuperseded(db) }
            if superseded {
                throw MetadataStoreError(
                    kind: .schemaTooNew,
                    path: path,
                    detail: "the file has schema migrations this version does not know"
                )
            }
            try migrator.migrate(database)
        } catch {
            throw MetadataStore.mapError(error, path: path, otherwise: .migration)
        }
    }

    private static func createVersion1(_ db: Database) throws {
        try db.execute(
            sql: """
                CREATE TABLE virtual_hosts (
                    name TEXT NOT NULL PRIMARY KEY
                ) WITHOUT ROWID;

                CREATE TABLE users (
                    name TEXT NOT NULL PRIMARY KEY,
                    password_hash TEXT NOT NULL,
                    tags TEXT NOT NULL
                ) WITHOUT ROWID;

                CREATE TABLE permissions (
                    user TEXT NOT NULL REFERENCES users(name) ON DELETE CASCADE,
                    virtual_host TEXT NOT NULL REFERENCES virtual_hosts(name) ON DELETE CASCADE,
                    configure_pattern TEXT NOT NULL,
                    write_pattern TEXT NOT NULL,
                    read_pattern TEXT NOT NULL,
                    PRIMARY KEY (user, virtual_host)
                ) WITHOUT ROWID;
                CREATE INDEX permissions_by_virtual_host ON permissions(virtual_host);

                CREATE TABLE exchanges (
                    virtual_host TEXT NOT NULL,
                    name TEXT NOT NULL,
                    type TEXT NOT NULL,
                    durable INTEGER NOT NULL,
                    auto_delete INTEGER NOT NULL,
                    internal INTEGER NOT NULL,
                    arguments BLOB NOT NULL,
                    PRIMARY KEY (virtual_host, name)
                ) WITHOUT ROWID;

                CREATE TABLE queues (
                    virtual_host TEXT NOT NULL,
                    name TEXT NOT NULL,
                    kind TEXT NOT NULL CHECK (kind IN ('classic', 'stream')),
                    durable INTEGER NOT NULL,
                    exclusive INTEGER NOT NULL,
                    auto_delete INTEGER NOT NULL,
                    arguments BLOB NOT NULL,
                    PRIMARY KEY (virtual_host, name)
                ) WITHOUT ROWID;

                CREATE TABLE bindings (
                    id INTEGER PRIMARY KEY,
                    virtual_host TEXT NOT NULL,
                    source TEXT NOT NULL,
                    destination_kind TEXT NOT NULL CHECK (destination_kind IN ('queue', 'exchange')),
                    destination TEXT NOT NULL,
                    routing_key TEXT NOT NULL,
                    arguments BLOB NOT NULL,
                    UNIQUE (virtual_host, source, destination_kind, destination, routing_key, arguments)
                );
                CREATE INDEX bindings_by_destination ON bindings(virtual_host, destination_kind, destination);

                CREATE TABLE policies (
                    virtual_host TEXT NOT NULL,
                    name TEXT NOT NULL,
                    pattern TEXT NOT NULL,
                    apply_to TEXT NOT NULL
                        CHECK (apply_to IN ('all', 'queues', 'classic_queues', 'streams', 'exchanges')),
                    definition TEXT NOT NULL,
                    priority INTEGER NOT NULL,
                    PRIMARY KEY (virtual_host, name)
                ) WITHOUT ROWID;

                CREATE TABLE consumer_offsets (
                    virtual_host TEXT NOT NULL,
                    stream TEXT NOT NULL,
                    consumer_group TEXT NOT NULL,
                    committed_offset INTEGER NOT NULL,
                    updated_at INTEGER NOT NULL,
                    PRIMARY KEY (virtual_host, stream, consumer_group)
                ) WITHOUT ROWID;

                CREATE TABLE mqtt_sessions (
                    virtual_host TEXT NOT NULL,
                    client_id TEXT NOT NULL,
                    clean_start INTEGER NOT NULL,
                    expiry_interval INTEGER NOT NULL,
                    protocol_level INTEGER NOT NULL,
                    last_seen INTEGER NOT NULL,
                    PRIMARY KEY (virtual_host, client_id)
                ) WITHOUT ROWID;

                CREATE TABLE mqtt_subscriptions (
                    virtual_host TEXT NOT NULL,
                    client_id TEXT NOT NULL,
                    topic_filter TEXT NOT NULL,
                    qos INTEGER NOT NULL,
                    no_local INTEGER NOT NULL,
                    retain_as_published INTEGER NOT NULL,
                    retain_handling INTEGER NOT NULL,
                    subscription_identifier INTEGER,
                    PRIMARY KEY (virtual_host, client_id, topic_filter),
                    FOREIGN KEY (virtual_host, client_id)
                        REFERENCES mqtt_sessions(virtual_host, client_id) ON DELETE CASCADE
                ) WITHOUT ROWID;

                CREATE TABLE mqtt_retained_messages (
                    virtual_host TEXT NOT NULL,
                    topic TEXT NOT NULL,
                    payload BLOB NOT NULL,
                    qos INTEGER NOT NULL,
                    properties BLOB NOT NULL,
                    stored_at INTEGER NOT NULL,
                    PRIMARY KEY (virtual_host, topic)
                ) WITHOUT ROWID;
                """
        )
    }

    /// MQTT QoS 2 packet ids in flight, kept with their session so exactly-once holds across a
    /// restart: each column is the ids as big-endian 16-bit values, ascending (`MQTTPacketIDs`).
    /// Existing sessions get none.
    private static func createVersion2(_ db: Database) throws {
        try db.execute(
            sql: """
                ALTER TABLE mqtt_sessions ADD COLUMN inbound_awaiting_release BLOB NOT NULL DEFAULT x'';
                ALTER TABLE mqtt_sessions ADD COLUMN awaiting_completion BLOB NOT NULL DEFAULT x'';
                """
        )
    }

    /// The user who created each MQTT session: another user may not take it over (NULL for sessions
    /// stored before; the next login claims them).
    private static func addMQTTSessionOwner(_ db: Database) throws {
        try db.execute(sql: "ALTER TABLE mqtt_sessions ADD COLUMN owner TEXT;")
    }

    /// RabbitMQ's topic permissions: per user, virtual host and topic exchange, regular expressions
    /// the routing key of a publish (`write`) or a binding (`read`) must match.
    private static func createTopicPermissions(_ db: Database) throws {
        try db.execute(
            sql: """
                CREATE TABLE topic_permissions (
                    user TEXT NOT NULL REFERENCES users(name) ON DELETE CASCADE,
                    virtual_host TEXT NOT NULL REFERENCES virtual_hosts(name) ON DELETE CASCADE,
                    exchange TEXT NOT NULL,
                    write_pattern TEXT NOT NULL,
                    read_pattern TEXT NOT NULL,
                    PRIMARY KEY (user, virtual_host, exchange)
                ) WITHOUT ROWID;
                """
        )
    }

    /// A queue-level delivery delay (ms; SQS `DelaySeconds`): messages enqueued become visible only
    /// after it. 0 for every queue stored before.
    private static func addQueueDeliveryDelay(_ db: Database) throws {
        try db.execute(sql: "ALTER TABLE queues ADD COLUMN delivery_delay_ms INTEGER NOT NULL DEFAULT 0;")
    }

    /// Operator policies beside user policies (each kind has its own names), and `quorum_queues`
    /// as an `apply-to`. SQLite cannot change a CHECK or a key in place: the table is rebuilt and
    /// existing policies become user policies.
    private static func addOperatorPolicies(_ db: Database) throws {
        try db.execute(
            sql: """
                CREATE TABLE policies_with_kind (
                    virtual_host TEXT NOT NULL,
                    kind TEXT NOT NULL CHECK (kind IN ('user', 'operator')),
                    name TEXT NOT NULL,
                    pattern TEXT NOT NULL,
                    apply_to TEXT NOT NULL CHECK (
                        apply_to IN ('all', 'queues', 'classic_queues', 'quorum_queues', 'streams', 'exchanges')),
                    definition TEXT NOT NULL,
                    priority INTEGER NOT NULL,
                    PRIMARY KEY (virtual_host, kind, name)
                ) WITHOUT ROWID;
                INSERT INTO policies_with_kind (virtual_host, kind, name, pattern, apply_to, definition, priority)
                    SELECT virtual_host, 'user', name, pattern, apply_to, definition, priority FROM policies;
                DROP TABLE policies;
                ALTER TABLE policies_with_kind RENAME TO policies;
                """
        )
    }
}
