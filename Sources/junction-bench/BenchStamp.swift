import NIOCore

/// The stamp at the front of every bench message body: send time, run, publisher and sequence, then padding.
///
/// Layout (big-endian): send time in uptime nanoseconds (8), run id (2), publisher index (2), sequence (4),
/// 16 bytes in all so the smallest benchmark message (16 B) carries the whole stamp.
/// The run id keeps messages left in the queue by an earlier run out of the counts.
struct BenchStamp {
    static let headerSize = 16

    var sentNanoseconds: UInt64
    var runID: UInt16
    var publisher: UInt16
    var sequence: UInt32

    /// Reads the stamp from the first bytes of a body; nil when the body is too short.
    init?(from body: ByteBuffer) {
        guard let sent = body.getInteger(at: body.readerIndex, as: UInt64.self),
            let runID = body.getInteger(at: body.readerIndex + 8, as: UInt16.self),
            let publisher = body.getInteger(at: body.readerIndex + 10, as: UInt16.self),
            let sequence = body.getInteger(at: body.readerIndex + 12, as: UInt32.self)
        else { return nil }
        self.init(sentNanoseconds: sent, runID: runID, publisher: publisher, sequence: sequence)
    }

    init(sentNanoseconds: UInt64, runID: UInt16, publisher: UInt16, sequence: UInt32) {
        self.sentNanoseconds = sentNanoseconds
        self.runID = runID
        self.publisher = publisher
        self.sequence = sequence
    }

    /// Stamps a body in place (the template buffer is reused, so no allocation per message).
    func stamp(_ body: inout ByteBuffer) {
        body.setInteger(self.sentNanoseconds, at: body.readerIndex)
        body.setInteger(self.runID, at: body.readerIndex + 8)
        body.setInteger(self.publisher, at: body.readerIndex + 10)
        body.setInteger(self.sequence, at: body.readerIndex + 12)
    }
}
