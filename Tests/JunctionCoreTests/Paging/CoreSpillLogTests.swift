import Foundation
import JunctionModel
import NIOCore
import Testing

@testable import JunctionCore

/// A spill log hands back the records of the range it is asked for, in offset order, with each message as it
/// was appended; a range that runs to the end of the offsets (`through: UInt64.max`) reads to the log's end.
@Suite struct CoreSpillLogTests {
    @Test func rangesReadBackTheirMessagesUpToTheEndOfTheOffsets() throws {
        let directory = NSTemporaryDirectory() + "junction-spill-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let spill = try SpillLog(directory: directory, segmentBytes: 1 << 20)
        for index in 0..<6 {
            let properties = MessageProperties(headers: ["n": .int32(Int32(index))], messageID: "id-\(index)")
            let offset = try spill.append(
                Message(
                    exchange: "x", routingKey: "k\(index)", properties: properties,
                    body: ByteBuffer(string: "m\(index)")))
            #expect(offset == UInt64(index))
        }
        var read: [(UInt64, Message)] = []
        try spill.read(from: 1, through: 3) { read.append(($0, $1)) }
        #expect(read.map(\.0) == [1, 2, 3])
        #expect(read.map { String(buffer: $0.1.body) } == ["m1", "m2", "m3"])
        #expect(read.map(\.1.routingKey) == ["k1", "k2", "k3"])
        #expect(read.map(\.1.properties.messageID) == ["id-1", "id-2", "id-3"])
        read.removeAll()
        try spill.read(from: 4, through: UInt64.max) { read.append(($0, $1)) }
        #expect(read.map(\.0) == [4, 5])
        _ = spill.readAhead(from: 0, through: UInt64.max)
    }
}
