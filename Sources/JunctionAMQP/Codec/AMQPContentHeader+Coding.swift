import JunctionCore
import NIOCore

/// Property flag bits of the basic class, highest first (AMQP 0-9-1 §4.2.6.1, §1.8).
enum AMQPBasicPropertyFlag {
    static let contentType: UInt16 = 1 << 15
    static let contentEncoding: UInt16 = 1 << 14
    static let headers: UInt16 = 1 << 13
    static let deliveryMode: UInt16 = 1 << 12
    static let priority: UInt16 = 1 << 11
    static let correlationID: UInt16 = 1 << 10
    static let replyTo: UInt16 = 1 << 9
    static let expiration: UInt16 = 1 << 8
    static let messageID: UInt16 = 1 << 7
    static let timestamp: UInt16 = 1 << 6
    static let type: UInt16 = 1 << 5
    static let userID: UInt16 = 1 << 4
    static let appID: UInt16 = 1 << 3
    static let clusterID: UInt16 = 1 << 2
    /// Bit 1 names no property; bit 0 says another flags word follows.
    static let unused: UInt16 = 1 << 1
    static let continuation: UInt16 = 1 << 0
}

extension AMQPContentHeader {
    /// Decodes a content header frame's whole payload. Extra bytes, flags of properties basic does not have and a
    /// continuation flag word with bits set are `malformedContentHeader`.
    static func decode(payload: inout ByteBuffer) throws(AMQPDecodingError) -> AMQPContentHeader {
        guard let classID = payload.readInteger(as: UInt16.self), let weight = payload.readInteger(as: UInt16.self),
            let bodySize = payload.readInteger(as: UInt64.self), let flags = payload.readInteger(as: UInt16.self)
        else { throw AMQPDecodingError.malformedContentHeader }
        guard classID == 60 else { throw AMQPDecodingError.unknownContentClass(classID) }
        guard flags & (AMQPBasicPropertyFlag.unused | AMQPBasicPropertyFlag.continuation) == 0 else {
            throw AMQPDecodingError.malformedContentHeader
        }
        guard let properties = try MessageProperties(amqpFlags: flags, reading: &payload),
            payload.readableBytes == 0
        else { throw AMQPDecodingError.malformedContentHeader }
        return AMQPContentHeader(classID: classID, weight: weight, bodySize: bodySize, properties: properties)
    }

    /// Writes the payload of a content header frame.
    func write(to buffer: inout ByteBuffer) {
        buffer.writeInteger(self.classID)
        buffer.writeInteger(self.weight)
        buffer.writeInteger(self.bodySize)
        self.properties.writeAMQPProperties(to: &buffer)
    }
}

extension MessageProperties {
    /// Reads the properties whose flags are set, in flag order. Nil when truncated.
    init?(amqpFlags flags: UInt16, reading buffer: inout ByteBuffer) throws(AMQPDecodingError) {
        self.init()
        typealias Flag = AMQPBasicPropertyFlag
        if flags & Flag.contentType != 0 {
            guard let value = try buffer.readAMQPShortString() else { return nil }
            self.contentType = value
        }
        if flags & Flag.contentEncoding != 0 {
            guard let value = try buffer.readAMQPShortString() else { return nil }
            self.contentEncoding = value
        }
        if flags & Flag.headers != 0 {
            guard let value = try buffer.readAMQPFieldTable() else { return nil }
            self.headers = value
        }
        if flags & Flag.deliveryMode != 0 {
            guard let value = buffer.readInteger(as: UInt8.self) else { return nil }
            self.deliveryMode = value
        }
        if flags & Flag.priority != 0 {
            guard let value = buffer.readInteger(as: UInt8.self) else { return nil }
            self.priority = value
        }
        if flags & Flag.correlationID != 0 {
            guard let value = try buffer.readAMQPShortString() else { return nil }
            self.correlationID = value
        }
        if flags & Flag.replyTo != 0 {
            guard let value = try buffer.readAMQPShortString() else { return nil }
            self.replyTo = value
        }
        if flags & Flag.expiration != 0 {
            guard let value = try buffer.readAMQPShortString() else { return nil }
            self.expiration = value
        }
        if flags & Flag.messageID != 0 {
            guard let value = try buffer.readAMQPShortString() else { return nil }
            self.messageID = value
        }
        if flags & Flag.timestamp != 0 {
            guard let value = buffer.readInteger(as: UInt64.self) else { return nil }
            self.timestamp = value
        }
        if flags & Flag.type != 0 {
            guard let value = try buffer.readAMQPShortString() else { return nil }
            self.type = value
        }
        if flags & Flag.userID != 0 {
            guard let value = try buffer.readAMQPShortString() else { return nil }
            self.userID = value
        }
        if flags & Flag.appID != 0 {
            guard let value = try buffer.readAMQPShortString() else { return nil }
            self.appID = value
        }
        if flags & Flag.clusterID != 0 {
            guard let value = try buffer.readAMQPShortString() else { return nil }
            self.clusterID = value
        }
    }

    /// Writes the flags word, then each present property in flag order.
    func writeAMQPProperties(to buffer: inout ByteBuffer) {
        typealias Flag = AMQPBasicPropertyFlag
        let flagsIndex = buffer.writerIndex
        buffer.writeInteger(UInt16(0))
        var flags: UInt16 = 0
        if let value = self.contentType {
            flags |= Flag.contentType
            buffer.writeAMQPShortString(value)
        }
        if let value = self.contentEncoding {
            flags |= Flag.contentEncoding
            buffer.writeAMQPShortString(value)
        }
        if let value = self.headers {
            flags |= Flag.headers
            buffer.writeAMQPFieldTable(value)
        }
        if let value = self.deliveryMode {
            flags |= Flag.deliveryMode
            buffer.writeInteger(value)
        }
        if let value = self.priority {
            flags |= Flag.priority
            buffer.writeInteger(value)
        }
        if let value = self.correlationID {
            flags |= Flag.correlationID
            buffer.writeAMQPShortString(value)
        }
        if let value = self.replyTo {
            flags |= Flag.replyTo
            buffer.writeAMQPShortString(value)
        }
        if let value = self.expiration {
            flags |= Flag.expiration
            buffer.writeAMQPShortString(value)
        }
        if let value = self.messageID {
            flags |= Flag.messageID
            buffer.writeAMQPShortString(value)
        }
        if let value = self.timestamp {
            flags |= Flag.timestamp
            buffer.writeInteger(value)
        }
        if let value = self.type {
            flags |= Flag.type
            buffer.writeAMQPShortString(value)
        }
        if let value = self.userID {
            flags |= Flag.userID
            buffer.writeAMQPShortString(value)
        }
        if let value = self.appID {
            flags |= Flag.appID
            buffer.writeAMQPShortString(value)
        }
        if let value = self.clusterID {
            flags |= Flag.clusterID
            buffer.writeAMQPShortString(value)
        }
        buffer.setInteger(flags, at: flagsIndex)
    }
}
