import NIOCore

/// The bench's message body: send time, run, publisher and sequence, then padding.
///
/// Layout (big-endian): send time in uptime nanoseconds (8), run id (4), publisher index (4), sequence (8).
/// The run id keeps messages left in the queue by an earlier run out of the counts.
struct AMQPBenchBody {
    static let headerSize = 24

    var sentNanoseconds: UInt64
    var runID: UInt32
    var publisher: UInt32
    var sequence: UInt64

    /// Reads the stamp from the first bytes of a body; nil when the body is too short.
    init?(from body: ByteBuffer) {
        guard let sent = body.getInteger(at: body.readerIndex, as: UInt64.self),
            let runID = body.getInteger(at: body.readerIndex + 8, as: UInt32.self),
            let publisher = body.getInteger(at: body.readerIndex + 12, as: UInt32.self),
            let sequence = body.getInteger(at: body.readerIndex + 16, as: UInt64.self)
        else { return nil }
        self.init(sentNanoseconds: sent, runID: runID, publisher: publisher, sequence: sequence)
    }

    init(sentNanoseconds: UInt64, runID: UInt32, publisher: UInt32, sequence: UInt64) {
        self.sentNanoseconds = sentNanoseconds
        self.runID = runID
        self.publisher = publisher
        self.sequence = sequence
    }

    /// Stamps a body in place (the template buffer is reused, so no allocation per message).
    func stamp(_ body: inout ByteBuffer) {
        body.setInteger(self.sentNanoseconds, at: body.readerIndex)
        body.setInteger(self.runID, at: body.readerIndex + 8)
        body.setInteger(self.publisher, at: body.readerIndex + 12)
        body.setInteger(self.sequence, at: body.readerIndex + 16)
    }
}
