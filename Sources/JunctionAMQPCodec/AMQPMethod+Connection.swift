public import JunctionModel
import NIOCore

// Arguments of the connection class (10), AMQP 0-9-1 §1.4.2 and RabbitMQ's extensions.
// Each `init?(reading:)` returns nil when the arguments are truncated.

/// connection.start (10.10): the server's first method.
public struct AMQPConnectionStart: Sendable, Equatable {
    public var versionMajor: UInt8
    public var versionMinor: UInt8
    public var serverProperties: FieldTable
    /// Space-separated SASL mechanisms (a long string on the wire).
    public var mechanisms: String
    /// Space-separated locales (a long string on the wire).
    public var locales: String

    public init(
        versionMajor: UInt8 = 0, versionMinor: UInt8 = 9, serverProperties: FieldTable, mechanisms: String,
        locales: String
    ) {
        self.versionMajor = versionMajor
        self.versionMinor = versionMinor
        self.serverProperties = serverProperties
        self.mechanisms = mechanisms
        self.locales = locales
    }

    init?(reading buffer: inout ByteBuffer) throws(AMQPDecodingError) {
        guard let major = buffer.readInteger(as: UInt8.self), let minor = buffer.readInteger(as: UInt8.self),
            let properties = try buffer.readAMQPFieldTable(), let mechanisms = try buffer.readAMQPLongString(),
            let locales = try buffer.readAMQPLongString()
        else { return nil }
        self.init(
            versionMajor: major, versionMinor: minor, serverProperties: properties, mechanisms: mechanisms,
            locales: locales)
    }

    func write(to buffer: inout ByteBuffer) {
        buffer.writeInteger(self.versionMajor)
        buffer.writeInteger(self.versionMinor)
        buffer.writeAMQPFieldTable(self.serverProperties)
        buffer.writeAMQPLongString(self.mechanisms)
        buffer.writeAMQPLongString(self.locales)
    }
}

/// connection.start-ok (10.11): the client's properties and SASL response.
public struct AMQPConnectionStartOk: Sendable, Equatable {
    public var clientProperties: FieldTable
    public var mechanism: String
    /// The SASL response; for PLAIN `\0user\0password`.
    public var response: [UInt8]
    public var locale: String

    public init(clientProperties: FieldTable, mechanism: String, response: [UInt8], locale: String) {
        self.clientProperties = clientProperties
        self.mechanism = mechanism
        self.response = response
        self.locale = locale
    }

    init?(reading buffer: inout ByteBuffer) throws(AMQPDecodingError) {
        guard let properties = try buffer.readAMQPFieldTable(), let mechanism = try buffer.readAMQPShortString(),
            let response = buffer.readAMQPLongStringBytes(), let locale = try buffer.readAMQPShortString()
        else { return nil }
        self.init(clientProperties: properties, mechanism: mechanism, response: response, locale: locale)
    }

    func write(to buffer: inout ByteBuffer) {
        buffer.writeAMQPFieldTable(self.clientProperties)
        buffer.writeAMQPShortString(self.mechanism)
        buffer.writeAMQPLongString(bytes: self.response)
        buffer.writeAMQPShortString(self.locale)
    }
}

/// connection.tune (10.30): the server's limits.
public struct AMQPConnectionTune: Sendable, Equatable {
    /// Highest channel number; 0 means no limit.
    public var channelMax: UInt16
    /// Largest frame in bytes including the 8 bytes of envelope; 0 means no limit.
    public var frameMax: UInt32
    /// Heartbeat interval in seconds; 0 disables heartbeats.
    public var heartbeat: UInt16

    public init(channelMax: UInt16, frameMax: UInt32, heartbeat: UInt16) {
        self.channelMax = channelMax
        self.frameMax = frameMax
        self.heartbeat = heartbeat
    }

    init?(reading buffer: inout ByteBuffer) {
        guard let channelMax = buffer.readInteger(as: UInt16.self), let frameMax = buffer.readInteger(as: UInt32.self),
            let heartbeat = buffer.readInteger(as: UInt16.self)
        else { return nil }
        self.init(channelMax: channelMax, frameMax: frameMax, heartbeat: heartbeat)
    }

    func write(to buffer: inout ByteBuffer) {
        buffer.writeInteger(self.channelMax)
        buffer.writeInteger(self.frameMax)
        buffer.writeInteger(self.heartbeat)
    }
}

/// connection.tune-ok (10.31): the limits the client accepts.
public struct AMQPConnectionTuneOk: Sendable, Equatable {
    public var channelMax: UInt16
    public var frameMax: UInt32
    public var heartbeat: UInt16

    public init(channelMax: UInt16, frameMax: UInt32, heartbeat: UInt16) {
        self.channelMax = channelMax
        self.frameMax = frameMax
        self.heartbeat = heartbeat
    }

    init?(reading buffer: inout ByteBuffer) {
        guard let tune = AMQPConnectionTune(reading: &buffer) else { return nil }
        self.init(channelMax: tune.channelMax, frameMax: tune.frameMax, heartbeat: tune.heartbeat)
    }

    func write(to buffer: inout ByteBuffer) {
        AMQPConnectionTune(channelMax: self.channelMax, frameMax: self.frameMax, heartbeat: self.heartbeat)
            .write(to: &buffer)
    }
}

/// connection.open (10.40). The reserved capabilities string and insist bit are skipped.
public struct AMQPConnectionOpen: Sendable, Equatable {
    public var virtualHost: String

    public init(virtualHost: String) { self.virtualHost = virtualHost }

    init?(reading buffer: inout ByteBuffer) throws(AMQPDecodingError) {
        guard let virtualHost = try buffer.readAMQPShortString(), try buffer.readAMQPShortString() != nil,
            buffer.readInteger(as: UInt8.self) != nil
        else { return nil }
        self.init(virtualHost: virtualHost)
    }

    func write(to buffer: inout ByteBuffer) {
        buffer.writeAMQPShortString(self.virtualHost)
        buffer.writeAMQPShortString("")
        buffer.writeAMQPBits(false)
    }
}

/// connection.close (10.50).
public struct AMQPConnectionClose: Sendable, Equatable {
    public var replyCode: UInt16
    public var replyText: String
    /// The class of the method that caused the close, or 0.
    public var classID: UInt16
    /// The method that caused the close, or 0.
    public var methodID: UInt16

    public init(replyCode: UInt16, replyText: String, classID: UInt16 = 0, methodID: UInt16 = 0) {
        self.replyCode = replyCode
        self.replyText = replyText
        self.classID = classID
        self.methodID = methodID
    }

    init?(reading buffer: inout ByteBuffer) throws(AMQPDecodingError) {
        guard let replyCode = buffer.readInteger(as: UInt16.self), let replyText = try buffer.readAMQPShortString(),
            let classID = buffer.readInteger(as: UInt16.self), let methodID = buffer.readInteger(as: UInt16.self)
        else { return nil }
        self.init(replyCode: replyCode, replyText: replyText, classID: classID, methodID: methodID)
    }

    func write(to buffer: inout ByteBuffer) {
        buffer.writeInteger(self.replyCode)
        buffer.writeAMQPShortString(self.replyText)
        buffer.writeInteger(self.classID)
        buffer.writeInteger(self.methodID)
    }
}

/// connection.blocked (10.60, RabbitMQ): the server stopped reading publishes.
public struct AMQPConnectionBlocked: Sendable, Equatable {
    public var reason: String

    public init(reason: String) { self.reason = reason }

    init?(reading buffer: inout ByteBuffer) throws(AMQPDecodingError) {
        guard let reason = try buffer.readAMQPShortString() else { return nil }
        self.init(reason: reason)
    }

    func write(to buffer: inout ByteBuffer) {
        buffer.writeAMQPShortString(self.reason)
    }
}

/// connection.update-secret (10.70, RabbitMQ): new credentials for an open connection.
public struct AMQPConnectionUpdateSecret: Sendable, Equatable {
    public var newSecret: [UInt8]
    public var reason: String

    public init(newSecret: [UInt8], reason: String) {
        self.newSecret = newSecret
        self.reason = reason
    }

    init?(reading buffer: inout ByteBuffer) throws(AMQPDecodingError) {
        guard let secret = buffer.readAMQPLongStringBytes(), let reason = try buffer.readAMQPShortString() else {
            return nil
        }
        self.init(newSecret: secret, reason: reason)
    }

    func write(to buffer: inout ByteBuffer) {
        buffer.writeAMQPLongString(bytes: self.newSecret)
        buffer.writeAMQPShortString(self.reason)
    }
}
