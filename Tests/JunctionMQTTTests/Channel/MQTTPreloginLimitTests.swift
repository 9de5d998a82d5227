import JunctionCore
import NIOCore
import Testing

@testable import JunctionMQTT
@testable import JunctionMQTTCodec

/// `limits.max_prelogin_frame_bytes`: until CONNECT is accepted, packets are capped at the pre-login
/// limit; after it, at mqtt.max_packet_size.
@Suite struct MQTTPreloginLimitTests {
    let broker: MQTTTestBroker = {
        let broker = MQTTTestBroker()
        broker.configuration.maximumPacketSize = 16384
        broker.configuration.maximumPreloginPacketSize = 4096
        return broker
    }()

    /// The fixed header and the start of a CONNECT's variable header announcing 5,000 bytes.
    func oversizeConnectStart(level: UInt8) -> ByteBuffer {
        ByteBuffer(bytes: [0x10, 0x88, 0x27, 0x00, 0x04, 0x4D, 0x51, 0x54, 0x54, level])
    }

    @Test func oversizeConnectOfMQTT5GetsConnAckPacketTooLarge() throws {
        let client = try self.broker.client(.v5)
        try client.sendRaw(self.oversizeConnectStart(level: 5))
        #expect(try client.received() == [.connAck(MQTTConnAck(sessionPresent: false, reasonCode: .packetTooLarge))])
        #expect(!client.isActive)
    }

    @Test func oversizeConnectOf311ClosesTheSocket() throws {
        let client = try self.broker.client(.v311)
        try client.sendRaw(self.oversizeConnectStart(level: 4))
        #expect(try client.received().isEmpty)
        #expect(!client.isActive)
    }

    @Test func connectVersionIsReadFromTheFirstBytes() {
        #expect(MQTTPacketDecoder.connectProtocolVersion(in: self.oversizeConnectStart(level: 5)) == .v5)
        #expect(MQTTPacketDecoder.connectProtocolVersion(in: self.oversizeConnectStart(level: 4)) == .v311)
        #expect(MQTTPacketDecoder.connectProtocolVersion(in: ByteBuffer(bytes: [0x10, 0x88, 0x27, 0x00])) == nil)
        #expect(MQTTPacketDecoder.connectProtocolVersion(in: ByteBuffer(bytes: [0x30, 0x05, 0, 4, 77, 81])) == nil)
    }

    @Test func afterConnectPacketsUpToTheMaximumPacketSizePass() throws {
        let subscriber = try self.broker.client(.v5)
        try subscriber.connect(clientID: "sub")
        _ = try subscriber.subscribe("big", qos: .atMostOnce)
        let publisher = try self.broker.client(.v5)
        try publisher.connect(clientID: "pub")
        let payload = String(repeating: "x", count: 10000)
        try publisher.publish("big", payload)
        #expect(publisher.isActive)
        #expect(try subscriber.publishes().map(\.payload) == [ByteBuffer(string: payload)])
    }
}
