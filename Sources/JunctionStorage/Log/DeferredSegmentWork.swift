/// The file work that a roll or a truncation of a log with `SegmentedLogConfiguration.defersSegmentFileWork`
/// leaves to its next `beginSync()`, whose handle runs on an I/O thread: fsyncs of the segment rolled away
/// from, the log-start checkpoint, unlinks of deleted segments and the directory's fsync. Done on the owner's
/// loop, a roll cost three fsyncs and a directory fsync, and a truncation a checkpoint (fsync, rename,
/// directory fsync), three unlinks and another directory fsync: milliseconds each, several times a second
/// under a persistent publisher, stalling every connection of the loop.
///
/// Nothing here delays what a confirm promises: a sync request covers the records it reports durable only
/// together with the seal of the segment before them and the directory entry of the segment they are in.
struct DeferredSegmentWork {
    /// The segment rolled away from whose log and indexes are not fsynced yet. At most one: a second roll
    /// before a group commit took it seals it on the owner (recovery scans the last two segments, so it
    /// finds a torn tail in that one).
    var unsealed: LogSegment?
    /// The log-start checkpoint still to write.
    var checkpoint: LogOffset?
    /// Files of deleted segments still to unlink.
    var removals: [String] = []
    /// Counts changes of the directory's entries; it is synced up to `syncedDirectoryGeneration`.
    var directoryGeneration: UInt64 = 0
    var syncedDirectoryGeneration: UInt64 = 0

    var isEmpty: Bool {
        self.unsealed == nil && self.checkpoint == nil && self.removals.isEmpty
            && self.directoryGeneration == self.syncedDirectoryGeneration
    }

    var directoryIsSynced: Bool { self.directoryGeneration == self.syncedDirectoryGeneration }

    mutating func directoryChanged() {
        self.directoryGeneration &+= 1
    }
}

/// What one sync request took of the deferred work, to settle it in `finishSync`.
struct DeferredSegmentWorkTaken: Sendable {
    /// The unsealed segment's base and size when its fsyncs were taken.
    var sealedBase: LogOffset?
    var sealedSize: Int64 = 0
    var checkpoint: LogOffset?
    var removals: [String] = []
    var directoryGeneration: UInt64?
}

extension LogSyncHandle {
    /// Runs `handles` in order and stops at the first failure.
    static func sequence(_ handles: [LogSyncHandle]) -> LogSyncHandle {
        if handles.count == 1 { return handles[0] }
        return LogSyncHandle {
            for handle in handles {
                if let failure = handle.run() { throw failure }
            }
        }
    }
}

extension SegmentedLog {
    /// `beginSync()`'s part for the deferred work: its handles in order, and what was taken. A checkpoint
    /// goes before the unlinks it allows, and the directory's fsync after both.
    func takeDeferredWork(into handles: inout [LogSyncHandle]) throws -> DeferredSegmentWorkTaken {
        var taken = DeferredSegmentWorkTaken()
        guard !self.deferred.isEmpty else { return taken }
        if let unsealed = self.deferred.unsealed {
            handles.append(try unsealed.sealHandle())
            taken.sealedBase = unsealed.baseOffset
            taken.sealedSize = unsealed.size
        }
        let directory = self.directory
        if let checkpoint = self.deferred.checkpoint {
            handles.append(
                try self.fileSystem.handle { system in
                    try Self.unlessDeleted(directory, system) {
                        try LogStartOffsetCheckpoint.write(checkpoint, directory: directory, fileSystem: system)
                    }
                })
            taken.checkpoint = checkpoint
        }
        if !self.deferred.removals.isEmpty {
            let removals = self.deferred.removals
            handles.append(try self.fileSystem.handle { system in for path in removals { try system.remove(path) } })
            taken.removals = removals
        }
        if !self.deferred.directoryIsSynced {
            handles.append(
                try self.fileSystem.handle { system in
                    try Self.unlessDeleted(directory, system) { try system.syncDirectory(directory) }
                })
            taken.directoryGeneration = self.deferred.directoryGeneration
        }
        // Taken only once every handle exists: a throw above leaves the work queued.
        if taken.checkpoint != nil { self.deferred.checkpoint = nil }
        self.deferred.removals = []
        return taken
    }

    /// Runs `work` on the log's directory, by path, on the I/O thread. The owner may have deleted the log
    /// (its queue) meanwhile: a failure with the directory gone is no failure, there is nothing left to make
    /// durable (and failing would hold back every other queue's group commit).
    static func unlessDeleted(_ directory: String, _ system: any LogFileSystem, _ work: () throws -> Void) throws {
        do {
            try work()
        } catch {
            if system.fileExists(directory) { throw error }
        }
    }

    /// What a finished request took of the deferred work: done, or back in the queue after a failure (the
    /// unsealed segment stays, and a repair rewrites it).
    func settleDeferredWork(_ taken: DeferredSegmentWorkTaken, failed: Bool) {
        if failed {
            if let checkpoint = taken.checkpoint, self.deferred.checkpoint == nil {
                self.deferred.checkpoint = checkpoint
            }
            self.deferred.removals = taken.removals + self.deferred.removals
            return
        }
        if let base = taken.sealedBase, let unsealed = self.deferred.unsealed, unsealed.baseOffset == base {
            unsealed.durableSize = max(unsealed.durableSize, taken.sealedSize)
            self.deferred.unsealed = nil
        }
        if let generation = taken.directoryGeneration {
            self.deferred.syncedDirectoryGeneration = max(self.deferred.syncedDirectoryGeneration, generation)
        }
    }
}
