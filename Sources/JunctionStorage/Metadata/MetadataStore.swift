import GRDB

/// The broker's durable metadata (virtual hosts, users, permissions, exchanges, queues, bindings,
/// policies, stream consumer-group offsets, MQTT sessions and retained messages) in one SQLite
/// file.
///
/// - Every write is one SQLite transaction: either all of it is on disk or none of it is, also
///   across a crash. Compose several writes atomically with ``write(_:)``.
/// - Durability: WAL journal with `synchronous = FULL`, so the WAL is fsynced at every commit and
///   a write that returned survives power loss. (`NORMAL`, GRDB's WAL default, may lose the last
///   commits on power loss: a declaration already confirmed to a client could vanish.)
/// - Ownership: not `Sendable`. Calls are synchronous and must come from one thread (the engine
///   loop); each call blocks that thread for the duration of one SQLite transaction.
public final class MetadataStore {
    /// The database file.
    public let path: String
    let database: DatabaseQueue
    /// GRDB treats use after `close()` as a programmer error (it crashes); the store throws.
    private var isClosed = false

    /// Opens (creating if needed) the database at `path` and migrates it to the current schema.
    /// The directory must exist.
    /// - Throws: `MetadataStoreError` (`.open`, `.migration`, `.schemaTooNew`).
    public init(path: String) throws {
        self.path = path
        var configuration = Configuration()
        configuration.journalMode = .wal
        configuration.foreignKeysEnabled = true
        configuration.label = "junction.metadata"
        do {
            database = try DatabaseQueue(path: path, configuration: configuration)
            // GRDB's WAL set-up lowers `synchronous` to NORMAL after `prepareDatabase` runs, so
            // raise it here, on the queue's single connection.
            try database.writeWithoutTransaction { db in
                try db.execute(sql: "PRAGMA synchronous = FULL")
                #if canImport(Darwin)
                    try db.execute(sql: "PRAGMA fullfsync = ON")
                    try db.execute(sql: "PRAGMA checkpoint_fullfsync = ON")
                #endif
            }
        } catch {
            throw Self.mapError(error, path: path, otherwise: .open)
        }
        try MetadataSchema.migrate(database, path: path)
    }

    /// Runs `body` in one transaction. If `body` throws, nothing it wrote is kept and its error
    /// is rethrown unchanged; SQLite failures are thrown as `MetadataStoreError`.
    /// The transaction handle is valid only inside `body`.
    public func write<T>(_ body: (MetadataTransaction) throws -> T) throws -> T {
        try checkOpen()
        do {
            return try database.write { db in
                try body(MetadataTransaction(database: db, path: path))
            }
        } catch {
            throw Self.mapError(error, path: path, otherwise: .database)
        }
    }

    /// Closes the database. Closing again does nothing; any other later call throws
    /// `MetadataStoreError` `.closed`.
    public func close() throws {
        if isClosed { return }
        do {
            try database.close()
            isClosed = true
        } catch {
            throw Self.mapError(error, path: path, otherwise: .database)
        }
    }

    /// The identifiers of the schema migrations applied to this file, oldest first.
    public func appliedMigrations() throws -> [String] {
        try read { db in try MetadataSchema.migrator.appliedMigrations(db) }
    }

    /// The value of a PRAGMA on the store's connection, as text (diagnostics and tests).
    func pragma(_ name: String) throws -> String? {
        try read { db in try String.fetchOne(db, sql: "PRAGMA \(name)") }
    }

    func read<T>(_ body: (Database) throws -> T) throws -> T {
        try checkOpen()
        do {
            return try database.read(body)
        } catch {
            throw Self.mapError(error, path: path, otherwise: .database)
        }
    }

    private func checkOpen() throws {
        if isClosed {
            throw MetadataStoreError(kind: .closed, path: path, detail: "the metadata store is closed")
        }
    }

    /// Turns SQLite and decoding failures into `MetadataStoreError`; other errors (the caller's
    /// own, or already mapped ones) pass through unchanged.
    static func mapError(_ error: any Error, path: String, otherwise kind: MetadataStoreError.Kind) -> any Error {
        switch error {
        case let error as DatabaseError:
            let isConstraint = error.resultCode.primaryResultCode == .SQLITE_CONSTRAINT
            return MetadataStoreError(
                kind: isConstraint ? .constraintViolation : kind,
                path: path,
                detail: error.description
            )
        case let error as MetadataDecodingError:
            return MetadataStoreError(kind: .corruptRecord, path: path, detail: error.description)
        default:
            return error
        }
    }
}

@available(*, unavailable)
extension MetadataStore: Sendable {}
