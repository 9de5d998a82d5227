public import NIOCore

/// One framed packet: the fixed header's type and flags, and its body as a slice of the receive
/// buffer (not a copy).
public struct MQTTRawPacket: Equatable, Sendable {
    public var type: MQTTPacketType
    public var flags: UInt8
    public var body: ByteBuffer

    public init(type: MQTTPacketType, flags: UInt8, body: ByteBuffer) {
        self.type = type
        self.flags = flags
        self.body = body
    }
}
