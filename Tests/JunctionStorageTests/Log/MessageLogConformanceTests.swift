import JunctionStorage
import NIOCore
import Testing

/// One behaviour suite that every `MessageLog` implementation must pass.
@Suite struct StorageMessageLogConformanceTests {
    enum Kind: String, CaseIterable, CustomTestStringConvertible {
        case inMemory
        case segmented
        /// With a write buffer smaller than a segment, so appends are written in bursts and by the buffer filling.
        case segmentedBuffered

        var testDescription: String { self.rawValue }
    }

    /// Runs `body` with a fresh log of `kind`; a segmented log's directory lives until `body` returns.
    private func withLog(_ kind: Kind, _ body: (any MessageLog) throws -> Void) throws {
        switch kind {
        case .inMemory:
            try body(InMemoryLog())
        case .segmented:
            let directory = TemporaryDirectory()
            let log = try SegmentedLog(
                directory: directory.path,
                configuration: SegmentedLogConfiguration(maxSegmentBytes: 300, indexIntervalBytes: 64)
            )
            try withExtendedLifetime(directory) { try body(log) }
        case .segmentedBuffered:
            let directory = TemporaryDirectory()
            let log = try SegmentedLog(
                directory: directory.path,
                configuration: SegmentedLogConfiguration(
                    maxSegmentBytes: 300, indexIntervalBytes: 64, writeBufferBytes: 100)
            )
            try withExtendedLifetime(directory) { try body(log) }
        }
    }

    @Test(arguments: Kind.allCases)
    func startsEmpty(kind: Kind) throws {
        try self.withLog(kind) { (log: any MessageLog) throws in
            #expect(log.firstOffset == .zero)
            #expect(log.nextOffset == .zero)
            #expect(try log.read(from: .zero, maxRecords: 10, maxBytes: 1000).isEmpty)
            #expect(try log.offset(atOrAfter: 0) == nil)
        }
    }

    @Test(arguments: Kind.allCases)
    func assignsDenseOffsetsPerAppend(kind: Kind) throws {
        try self.withLog(kind) { (log: any MessageLog) throws in
            let first = try log.append([entry("a", at: 1), entry("b", at: 2)])
            let second = try log.append([entry("c", at: 3)], attributes: 4, leaderEpoch: 9)
            #expect(first.firstOffset == LogOffset(0))
            #expect(first.lastOffset == LogOffset(1))
            #expect(second.firstOffset == LogOffset(2))
            #expect(second.lastOffset == LogOffset(2))
            #expect(log.nextOffset == LogOffset(3))
            let records = try log.read(from: .zero, maxRecords: 10, maxBytes: 1000)
            #expect(values(records) == ["a", "b", "c"])
            #expect(records.map(\.offset) == [LogOffset(0), LogOffset(1), LogOffset(2)])
            #expect(records[2].attributes == 4)
            #expect(records[2].leaderEpoch == 9)
        }
    }

    @Test(arguments: Kind.allCases)
    func keepsKeysAndTimestamps(kind: Kind) throws {
        try self.withLog(kind) { (log: any MessageLog) throws in
            _ = try log.append([entry("v", at: 42, key: "k"), entry("w", at: 41)])
            let records = try log.read(from: .zero, maxRecords: 10, maxBytes: 1000)
            #expect(records.map(\.key) == [ByteBuffer(string: "k"), nil])
            #expect(records.map(\.timestamp) == [42, 41])
        }
    }

    @Test(arguments: Kind.allCases)
    func rejectsAnEmptyAppend(kind: Kind) throws {
        try self.withLog(kind) { (log: any MessageLog) throws in
            #expect(throws: StorageError.self) { _ = try log.append([]) }
            #expect(log.nextOffset == .zero)
        }
    }

    @Test(arguments: Kind.allCases)
    func readsFromTheMiddleAcrossBatchesAndSegments(kind: Kind) throws {
        try self.withLog(kind) { (log: any MessageLog) throws in
            for batch in 0..<20 {
                _ = try log.append((0..<3).map { entry("m\(batch * 3 + $0)", at: Int64(batch)) })
            }
            let records = try log.read(from: LogOffset(25), maxRecords: 7, maxBytes: 1 << 20)
            #expect(values(records) == (25..<32).map { "m\($0)" })
            #expect(
                try log.read(from: LogOffset(59), maxRecords: 7, maxBytes: 1 << 20).map(\.offset) == [LogOffset(59)])
            #expect(try log.read(from: LogOffset(60), maxRecords: 7, maxBytes: 1 << 20).isEmpty)
        }
    }

    @Test(arguments: Kind.allCases)
    func stopsAtMaxBytesButReturnsAtLeastOneRecord(kind: Kind) throws {
        try self.withLog(kind) { (log: any MessageLog) throws in
            _ = try log.append([entry("0123456789", at: 1), entry("0123456789", at: 1), entry("0123456789", at: 1)])
            #expect(try log.read(from: .zero, maxRecords: 10, maxBytes: 25).count == 2)
            #expect(try log.read(from: .zero, maxRecords: 10, maxBytes: 1).count == 1)
            #expect(try log.read(from: .zero, maxRecords: 0, maxBytes: 1000).isEmpty)
        }
    }

    @Test(arguments: Kind.allCases)
    func findsTheFirstOffsetAtOrAfterATimestamp(kind: Kind) throws {
        try self.withLog(kind) { (log: any MessageLog) throws in
            for batch in 0..<30 {
                _ = try log.append([entry("x", at: Int64(batch * 10)), entry("y", at: Int64(batch * 10 + 5))])
            }
            #expect(try log.offset(atOrAfter: -5) == LogOffset(0))
            #expect(try log.offset(atOrAfter: 0) == LogOffset(0))
            #expect(try log.offset(atOrAfter: 1) == LogOffset(1))
            #expect(try log.offset(atOrAfter: 6) == LogOffset(2))
            #expect(try log.offset(atOrAfter: 155) == LogOffset(31))
            #expect(try log.offset(atOrAfter: 295) == LogOffset(59))
            #expect(try log.offset(atOrAfter: 296) == nil)
        }
    }

    @Test(arguments: Kind.allCases)
    func timestampLookupFollowsOffsetOrderWhenTimestampsAreUnordered(kind: Kind) throws {
        try self.withLog(kind) { (log: any MessageLog) throws in
            for (index, timestamp) in [50, 10, 90, 30, 70, 20, 95, 5].enumerated() {
                _ = try log.append([entry("m\(index)", at: Int64(timestamp))])
            }
            #expect(try log.offset(atOrAfter: 60) == LogOffset(2))
            #expect(try log.offset(atOrAfter: 15) == LogOffset(0))
            #expect(try log.offset(atOrAfter: 91) == LogOffset(6))
            #expect(try log.offset(atOrAfter: 96) == nil)
            try log.truncate(before: LogOffset(3))
            #expect(try log.offset(atOrAfter: 60) == LogOffset(4))
            #expect(try log.offset(atOrAfter: 15) == LogOffset(3))
        }
    }

    @Test(arguments: Kind.allCases)
    func truncatingAPrefixMovesTheFirstOffset(kind: Kind) throws {
        try self.withLog(kind) { (log: any MessageLog) throws in
            for index in 0..<40 { _ = try log.append([entry("m\(index)", at: Int64(index))]) }
            try log.truncate(before: LogOffset(23))
            #expect(log.firstOffset == LogOffset(23))
            #expect(log.nextOffset == LogOffset(40))
            #expect(values(try log.read(from: .zero, maxRecords: 2, maxBytes: 1000)) == ["m23", "m24"])
            #expect(try log.offset(atOrAfter: 0) == LogOffset(23))
            try log.truncate(before: LogOffset(10))
            #expect(log.firstOffset == LogOffset(23))
            try log.truncate(before: LogOffset(1000))
            #expect(log.firstOffset == LogOffset(40))
            #expect(try log.read(from: .zero, maxRecords: 2, maxBytes: 1000).isEmpty)
            #expect(try log.append([entry("next", at: 99)]).firstOffset == LogOffset(40))
        }
    }

    @Test(arguments: Kind.allCases)
    func syncMakesEverythingAppendedDurable(kind: Kind) throws {
        try self.withLog(kind) { (log: any MessageLog) throws in
            _ = try log.append([entry("a", at: 1)])
            #expect(log.durableOffset <= log.nextOffset)
            #expect(try log.sync() == LogOffset(1))
            #expect(log.durableOffset == LogOffset(1))
        }
    }

    @Test(arguments: Kind.allCases)
    func durabilityObserversHearEachAdvanceOnSync(kind: Kind) throws {
        try self.withLog(kind) { (log: any MessageLog) throws in
            var heard: [LogOffset] = []
            log.addDurabilityObserver { heard.append($0) }
            _ = try log.append([entry("a", at: 1), entry("b", at: 1)])
            try log.sync()
            try log.sync()
            _ = try log.append([entry("c", at: 1)])
            try log.sync()
            #expect(heard == [LogOffset(2), LogOffset(3)])
        }
    }
}
