public import NIOCore

/// Property flag bits, highest first: AMQP 0-9-1's basic class (§4.2.6.1, §1.8), the canonical property encoding.
public enum MessagePropertyFlag {
    public static let contentType: UInt16 = 1 << 15
    public static let contentEncoding: UInt16 = 1 << 14
    public static let headers: UInt16 = 1 << 13
    public static let deliveryMode: UInt16 = 1 << 12
    public static let priority: UInt16 = 1 << 11
    public static let correlationID: UInt16 = 1 << 10
    public static let replyTo: UInt16 = 1 << 9
    public static let expiration: UInt16 = 1 << 8
    public static let messageID: UInt16 = 1 << 7
    public static let timestamp: UInt16 = 1 << 6
    public static let type: UInt16 = 1 << 5
    public static let userID: UInt16 = 1 << 4
    public static let appID: UInt16 = 1 << 3
    public static let clusterID: UInt16 = 1 << 2
    /// Bit 1 names no property; bit 0 says another flags word follows.
    public static let unused: UInt16 = 1 << 1
    public static let continuation: UInt16 = 1 << 0
}

/// The canonical binary encoding of `MessageProperties`: a 16-bit flags word, then each present property in
/// flag order (AMQP 0-9-1's basic content-header property list). Shared by the AMQP codec and the message log.
extension ByteBuffer {
    /// Reads the properties whose flags are set, in flag order. Nil when truncated.
    public mutating func readBinaryMessageProperties(flags: UInt16) throws(BinaryEncodingError) -> MessageProperties? {
        var properties = MessageProperties()
        typealias Flag = MessagePropertyFlag
        if flags & Flag.contentType != 0 {
            guard let value = try self.readBinaryShortString() else { return nil }
            properties.contentType = value
        }
        if flags & Flag.contentEncoding != 0 {
            guard let value = try self.readBinaryShortString() else { return nil }
            properties.contentEncoding = value
        }
        if flags & Flag.headers != 0 {
            guard let value = try self.readBinaryFieldTable() else { return nil }
            properties.headers = value
        }
        if flags & Flag.deliveryMode != 0 {
            guard let value = self.readInteger(as: UInt8.self) else { return nil }
            properties.deliveryMode = value
        }
        if flags & Flag.priority != 0 {
            guard let value = self.readInteger(as: UInt8.self) else { return nil }
            properties.priority = value
        }
        if flags & Flag.correlationID != 0 {
            guard let value = try self.readBinaryShortString() else { return nil }
            properties.correlationID = value
        }
        if flags & Flag.replyTo != 0 {
            guard let value = try self.readBinaryShortString() else { return nil }
            properties.replyTo = value
        }
        if flags & Flag.expiration != 0 {
            guard let value = try self.readBinaryShortString() else { return nil }
            properties.expiration = value
        }
        if flags & Flag.messageID != 0 {
            guard let value = try self.readBinaryShortString() else { return nil }
            properties.messageID = value
        }
        if flags & Flag.timestamp != 0 {
            guard let value = self.readInteger(as: UInt64.self) else { return nil }
            properties.timestamp = value
        }
        if flags & Flag.type != 0 {
            guard let value = try self.readBinaryShortString() else { return nil }
            properties.type = value
        }
        if flags & Flag.userID != 0 {
            guard let value = try self.readBinaryShortString() else { return nil }
            properties.userID = value
        }
        if flags & Flag.appID != 0 {
            guard let value = try self.readBinaryShortString() else { return nil }
            properties.appID = value
        }
        if flags & Flag.clusterID != 0 {
            guard let value = try self.readBinaryShortString() else { return nil }
            properties.clusterID = value
        }
        return properties
    }

    /// Writes the flags word, then each present property in flag order.
    @discardableResult
    public mutating func writeBinaryMessageProperties(_ properties: MessageProperties) -> Int {
        let start = self.writerIndex
        typealias Flag = MessagePropertyFlag
        let flagsIndex = self.writerIndex
        self.writeInteger(UInt16(0))
        var flags: UInt16 = 0
        if let value = properties.contentType {
            flags |= Flag.contentType
            self.writeBinaryShortString(value)
        }
        if let value = properties.contentEncoding {
            flags |= Flag.contentEncoding
            self.writeBinaryShortString(value)
        }
        if let value = properties.headers {
            flags |= Flag.headers
            self.writeBinaryFieldTable(value)
        }
        if let value = properties.deliveryMode {
            flags |= Flag.deliveryMode
            self.writeInteger(value)
        }
        if let value = properties.priority {
            flags |= Flag.priority
            self.writeInteger(value)
        }
        if let value = properties.correlationID {
            flags |= Flag.correlationID
            self.writeBinaryShortString(value)
        }
        if let value = properties.replyTo {
            flags |= Flag.replyTo
            self.writeBinaryShortString(value)
        }
        if let value = properties.expiration {
            flags |= Flag.expiration
            self.writeBinaryShortString(value)
        }
        if let value = properties.messageID {
            flags |= Flag.messageID
            self.writeBinaryShortString(value)
        }
        if let value = properties.timestamp {
            flags |= Flag.timestamp
            self.writeInteger(value)
        }
        if let value = properties.type {
            flags |= Flag.type
            self.writeBinaryShortString(value)
        }
        if let value = properties.userID {
            flags |= Flag.userID
            self.writeBinaryShortString(value)
        }
        if let value = properties.appID {
            flags |= Flag.appID
            self.writeBinaryShortString(value)
        }
        if let value = properties.clusterID {
            flags |= Flag.clusterID
            self.writeBinaryShortString(value)
        }
        self.setInteger(flags, at: flagsIndex)
        return self.writerIndex - start
    }
}
