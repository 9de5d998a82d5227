import Foundation
import JunctionTestSupport
import Testing

@testable import JunctionStorage

/// `SegmentedLogConfiguration.defersSegmentFileWork` (durable queue logs): a roll or a truncation does no
/// fsync, checkpoint or unlink on the owner; the next `beginSync()` hands them out with the active segment's
/// fsync, and nothing is reported durable before the segment before it is sealed. Recovery finds a torn tail
/// in the segment before the last, and drops what follows it.
@Suite struct StorageSegmentedLogDeferredWorkTests {
    private static func configuration(segmentBytes: Int64 = 400) -> SegmentedLogConfiguration {
        var configuration = SegmentedLogConfiguration(maxSegmentBytes: segmentBytes, fsyncPolicy: .never)
        configuration.defersSegmentFileWork = true
        return configuration
    }

    private func append(_ log: SegmentedLog, _ range: Range<Int>) throws {
        for index in range { _ = try log.append([entry("record-\(index)", at: 1)]) }
    }

    private func sync(_ log: SegmentedLog) throws {
        guard let request = try log.beginSync() else { return }
        try log.finishSync(request, failure: request.handle.run())
    }

    @Test func aRollFsyncsNothingOnTheOwnerAndTheNextSyncSealsIt() throws {
        let directory = TemporaryDirectory()
        let fileSystem = FaultInjectingFileSystem()
        let log = try SegmentedLog(
            directory: directory.path, configuration: Self.configuration(), fileSystem: fileSystem)
        let syncsAtOpen = fileSystem.logSyncs
        try self.append(log, 0..<7)
        #expect(log.segmentBaseOffsets.count == 2, "the appends rolled")
        #expect(fileSystem.logSyncs == syncsAtOpen, "a roll fsynced on the owner")
        #expect(log.hasDeferredFileWork)
        #expect(log.durableOffset == .zero)

        try self.sync(log)
        #expect(log.durableOffset == log.nextOffset)
        #expect(!log.hasDeferredFileWork)
        // The sync sealed the rolled segment and synced the active one.
        #expect(fileSystem.logSyncs == syncsAtOpen + 2)
        #expect(try log.beginSync() == nil, "nothing left to sync")
    }

    @Test func nothingIsDurableUntilTheRolledSegmentIsSealed() throws {
        let directory = TemporaryDirectory()
        let fileSystem = FaultInjectingFileSystem()
        let clock = MillisecondClock()
        let log = try SegmentedLog(
            directory: directory.path, configuration: Self.configuration(), fileSystem: fileSystem,
            clock: clock.function)
        try self.append(log, 0..<3)
        try self.sync(log)
        #expect(log.durableOffset == LogOffset(3))
        try self.append(log, 3..<8)
        #expect(log.segmentBaseOffsets.count == 2)
        // The rolled segment's fsync fails: the log fails and reports nothing past what it had.
        fileSystem.fault = .failedSync
        #expect(throws: StorageError.self) { try self.sync(log) }
        #expect(log.isFailed)
        #expect(log.durableOffset == LogOffset(3))
        // Once the disk works again the repair seals it, and then everything is durable.
        fileSystem.fault = .none
        clock.now += SegmentedLog.repairIntervalMilliseconds
        try self.append(log, 8..<9)
        #expect(!log.isFailed)
        try self.sync(log)
        #expect(log.durableOffset == log.nextOffset)
        #expect(!log.hasDeferredFileWork)
    }

    @Test func truncationLeavesTheCheckpointAndTheUnlinksToTheSyncHandle() throws {
        let directory = TemporaryDirectory()
        let log = try SegmentedLog(directory: directory.path, configuration: Self.configuration())
        try self.append(log, 0..<20)
        try self.sync(log)
        let bases = log.segmentBaseOffsets
        #expect(bases.count >= 3)
        let target = bases[2]
        let filesBefore = directory.contents()

        try log.truncate(before: target)
        #expect(log.firstOffset == target)
        #expect(log.segmentBaseOffsets.first == target)
        #expect(directory.contents() == filesBefore, "the owner unlinked or wrote a checkpoint")
        #expect(log.hasDeferredFileWork)

        let request = try #require(try log.beginSync())
        #expect(directory.contents() == filesBefore, "beginSync did the work itself")
        let failure = request.handle.run()
        #expect(failure == nil)
        try log.finishSync(request, failure: failure)
        #expect(!log.hasDeferredFileWork)
        let after = directory.contents()
        #expect(after.contains("log-start-offset"))
        for base in bases.prefix(2) {
            #expect(!after.contains { $0.hasPrefix(String(format: "%020lld", base.rawValue)) })
        }
        try log.close()
        let reopened = try SegmentedLog(directory: directory.path, configuration: Self.configuration())
        #expect(reopened.firstOffset == target)
        #expect(
            values(try reopened.read(from: .zero, maxRecords: 100, maxBytes: 1 << 20)).first
                == "record-\(target.rawValue)")
    }

    /// A kill after a truncation's checkpoint reached the disk and before its unlinks ran. Before: the opening
    /// kept the segments below the checkpoint and no later truncation looked below the log start, so a drained
    /// queue kept them for ever (seen as a flaky interop kill -9 test). Now the opening deletes them.
    @Test func segmentsLeftBelowTheCheckpointByAKillAreDeletedAtTheNextOpening() throws {
        let directory = TemporaryDirectory()
        let log = try SegmentedLog(directory: directory.path, configuration: Self.configuration())
        try self.append(log, 0..<20)
        try self.sync(log)
        let bases = log.segmentBaseOffsets
        #expect(bases.count >= 4)
        let target = bases[3]
        try log.truncate(before: target)
        // Only the checkpoint of the group commit's file work ran: the process died before the unlinks.
        try LogStartOffsetCheckpoint.write(target, directory: directory.path, fileSystem: PosixLogFileSystem())
        let stale = bases.prefix(3).map { String(format: "%020lld.log", $0.rawValue) }
        #expect(stale.allSatisfy(directory.contents().contains))

        let reopened = try SegmentedLog(directory: directory.path, configuration: Self.configuration())
        #expect(reopened.firstOffset == target)
        #expect(reopened.segmentBaseOffsets == Array(bases.dropFirst(3)))
        #expect(reopened.recoveryReport.segmentsRemovedBelowLogStart == 3)
        #expect(reopened.recoveryReport.isClean)
        let contents = directory.contents()
        for base in bases.prefix(3) {
            #expect(!contents.contains { $0.hasPrefix(String(format: "%020lld", base.rawValue)) })
        }
        #expect(
            values(try reopened.read(from: .zero, maxRecords: 100, maxBytes: 1 << 20)).first
                == "record-\(target.rawValue)")
        // Truncating the rest still works from there.
        try reopened.truncate(before: reopened.nextOffset)
        try self.sync(reopened)
        #expect(reopened.segmentBaseOffsets.count == 1)
    }

    /// A machine crash between a roll and the next group commit: the rolled segment's unsynced tail is lost
    /// (here: cut in the middle of its last batch), while the new segment's first records reached the disk.
    /// Recovery scans the segment before the last too and cuts its torn batch; the last segment follows the
    /// gap and is kept (its records were never reported durable: they come back, at least once).
    @Test func aTornTailBeforeTheLastSegmentIsCutAndTheLastSegmentKept() throws {
        let directory = TemporaryDirectory()
        let log = try SegmentedLog(directory: directory.path, configuration: Self.configuration())
        try self.append(log, 0..<7)
        let bases = log.segmentBaseOffsets
        #expect(bases.count == 2)
        try log.writeBuffered()
        // No sync, no close: the process is gone. The first segment lost the second half of its last batch.
        let firstName = String(format: "%020lld.log", bases[0].rawValue)
        let bytes = try directory.bytes(firstName)
        try directory.write(firstName, Array(bytes.dropLast(20)))

        let reopened = try SegmentedLog(directory: directory.path, configuration: Self.configuration())
        let kept = Int(bases[1].rawValue) - 1
        #expect(reopened.segmentBaseOffsets == bases)
        #expect(reopened.recoveryReport.truncations.map(\.segment) == [bases[0]])
        #expect(reopened.nextOffset == LogOffset(7))
        let expected = (0..<kept).map { "record-\($0)" } + (Int(bases[1].rawValue)..<7).map { "record-\($0)" }
        #expect(values(try reopened.read(from: .zero, maxRecords: 100, maxBytes: 1 << 20)) == expected)
        // The log goes on after the last segment, and what it appends survives the next opening.
        try self.append(reopened, 100..<102)
        try self.sync(reopened)
        try reopened.close()
        let again = try SegmentedLog(directory: directory.path, configuration: Self.configuration())
        #expect(again.nextOffset == LogOffset(9))
        #expect(
            values(try again.read(from: LogOffset(7), maxRecords: 10, maxBytes: 1 << 20)) == [
                "record-100", "record-101",
            ])
    }
}

/// FuzzSegmentRecovery's finding in the deferred mode (its input is in Fuzz/Seeds/FuzzSegmentRecovery): a
/// quarantined segment left a gap, recovery cut the next segment to nothing, and a record appended after
/// that recovery was dropped by the following one, which took the old gap for a torn tail.
@Suite struct StorageSegmentedLogDeferredWorkFindingTests {
    @Test func aRecordAppendedAfterAQuarantineGapSurvivesTheNextOpening() throws {
        let directory = TemporaryDirectory()
        var configuration = SegmentedLogConfiguration(maxSegmentBytes: 400, fsyncPolicy: .never)
        configuration.defersSegmentFileWork = true
        let log = try SegmentedLog(directory: directory.path, configuration: configuration)
        for index in 0..<18 { _ = try log.append([entry("record-\(index)", at: 1)]) }
        _ = try log.sync()
        let bases = log.segmentBaseOffsets
        #expect(bases.count == 4)
        try log.close()
        // The second segment gets a bad byte (quarantined when every segment is verified), the third loses
        // everything (cut to nothing as a torn tail), the fourth stays.
        let second = String(format: "%020lld.log", bases[1].rawValue)
        var bytes = try directory.bytes(second)
        bytes[bytes.count / 2] ^= 0xFF
        try directory.write(second, bytes)
        try directory.write(String(format: "%020lld.log", bases[2].rawValue), [])
        configuration.verifyAllSegmentsOnOpen = true
        let recovered = try SegmentedLog(directory: directory.path, configuration: configuration)
        #expect(recovered.recoveryReport.quarantined.map(\.segment) == [bases[1]])
        let appended = try recovered.append([entry("after recovery", at: 1)])
        _ = try recovered.sync()
        try recovered.close()

        let reopened = try SegmentedLog(directory: directory.path, configuration: configuration)
        #expect(
            values(try reopened.read(from: appended.firstOffset, maxRecords: 1, maxBytes: 1024)) == ["after recovery"])
    }
}
