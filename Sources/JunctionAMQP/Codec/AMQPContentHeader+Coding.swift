import JunctionCore
import NIOCore

extension AMQPContentHeader {
    /// Decodes a content header frame's whole payload. Extra bytes, flags of properties basic does not have and a
    /// continuation flag word with bits set are `malformedContentHeader`.
    static func decode(payload: inout ByteBuffer) throws(AMQPDecodingError) -> AMQPContentHeader {
        guard let classID = payload.readInteger(as: UInt16.self), let weight = payload.readInteger(as: UInt16.self),
            let bodySize = payload.readInteger(as: UInt64.self), let flags = payload.readInteger(as: UInt16.self)
        else { throw AMQPDecodingError.malformedContentHeader }
        guard classID == 60 else { throw AMQPDecodingError.unknownContentClass(classID) }
        guard flags & (MessagePropertyFlag.unused | MessagePropertyFlag.continuation) == 0 else {
            throw AMQPDecodingError.malformedContentHeader
        }
        guard let properties = try Self.decodeProperties(flags: flags, reading: &payload),
            payload.readableBytes == 0
        else { throw AMQPDecodingError.malformedContentHeader }
        return AMQPContentHeader(classID: classID, weight: weight, bodySize: bodySize, properties: properties)
    }

    /// Writes the payload of a content header frame.
    func write(to buffer: inout ByteBuffer) {
        buffer.writeInteger(self.classID)
        buffer.writeInteger(self.weight)
        buffer.writeInteger(self.bodySize)
        buffer.writeBinaryMessageProperties(self.properties)
    }

    private static func decodeProperties(
        flags: UInt16, reading buffer: inout ByteBuffer
    ) throws(AMQPDecodingError)
        -> MessageProperties?
    {
        do {
            return try buffer.readBinaryMessageProperties(flags: flags)
        } catch {
            throw AMQPDecodingError(error)
        }
    }
}
