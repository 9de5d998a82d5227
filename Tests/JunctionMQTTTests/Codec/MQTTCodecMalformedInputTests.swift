import NIOCore
import Testing

@testable import JunctionMQTT
@testable import JunctionMQTTCodec

@Suite struct MQTTCodecMalformedInputTests {
    func decode(
        _ bytes: [UInt8], version: MQTTProtocolVersion = .v5, limit: Int = 1024
    ) throws(MQTTDecodingError) -> MQTTPacket? {
        var buffer = ByteBuffer(bytes: bytes)
        return try MQTTPacket.decode(from: &buffer, version: version, maximumPacketSize: limit)
    }

    @Test func fiveByteRemainingLengthIsMalformed() {
        #expect(throws: MQTTDecodingError.malformedVariableByteInteger) {
            try self.decode([0x30, 0xFF, 0xFF, 0xFF, 0xFF, 0x01])
        }
    }

    @Test func oversizePacketIsRefusedFromTheHeaderAlone() {
        // Only the fixed header: 2,000 bytes announced, none of them buffered.
        #expect(throws: MQTTDecodingError.packetTooLarge(2000, limit: 1024)) {
            try self.decode([0x30, 0xD0, 0x0F])
        }
    }

    @Test func packetTypeZeroIsUnknown() {
        #expect(throws: MQTTDecodingError.unknownPacketType(0)) { try self.decode([0x00, 0x00]) }
    }

    @Test func authIsReservedIn311() throws {
        #expect(throws: MQTTDecodingError.unknownPacketType(15)) { try self.decode([0xF0, 0x00], version: .v311) }
        #expect(try self.decode([0xF0, 0x00], version: .v5) == .auth(MQTTDisconnect()))
    }

    @Test func reservedFlagBits() {
        // SUBSCRIBE with flags 0000 instead of 0010.
        #expect(throws: MQTTDecodingError.reservedFlags(packetType: 8, flags: 0)) {
            try self.decode([0x80, 0x06, 0x00, 0x01, 0x00, 0x01, 0x61, 0x00], version: .v311)
        }
        // PUBREL with flags 0000.
        #expect(throws: MQTTDecodingError.reservedFlags(packetType: 6, flags: 0)) {
            try self.decode([0x60, 0x02, 0x00, 0x01])
        }
        // PINGREQ with a flag bit.
        #expect(throws: MQTTDecodingError.reservedFlags(packetType: 12, flags: 1)) { try self.decode([0xC1, 0x00]) }
        // QoS 0 PUBLISH with DUP.
        #expect(throws: MQTTDecodingError.reservedFlags(packetType: 3, flags: 8)) {
            try self.decode([0x38, 0x03, 0x00, 0x01, 0x61], version: .v311)
        }
    }

    @Test func qos3IsMalformed() {
        #expect(throws: MQTTDecodingError.invalidQoS) {
            try self.decode([0x36, 0x05, 0x00, 0x01, 0x61, 0x00, 0x01], version: .v311)
        }
        // Subscription options QoS 3.
        #expect(throws: MQTTDecodingError.invalidQoS) {
            try self.decode([0x82, 0x06, 0x00, 0x01, 0x00, 0x01, 0x61, 0x03], version: .v311)
        }
    }

    @Test func invalidUTF8TopicAndNullCharacter() {
        #expect(throws: MQTTDecodingError.invalidUTF8) {
            try self.decode([0x30, 0x04, 0x00, 0x02, 0xC3, 0x28], version: .v311)
        }
        #expect(throws: MQTTDecodingError.invalidUTF8) {
            try self.decode([0x30, 0x04, 0x00, 0x02, 0x61, 0x00], version: .v311)
        }
    }

    @Test func connectRules() {
        // Reserved connect flag bit 0.
        let base: [UInt8] = [0x00, 0x04, 0x4D, 0x51, 0x54, 0x54, 0x04]
        #expect(throws: MQTTDecodingError.invalidConnectFlags) {
            try self.decode([0x10, 0x0C] + base + [0x03, 0x00, 0x3C, 0x00, 0x00], version: .v311)
        }
        // Will QoS without the will flag.
        #expect(throws: MQTTDecodingError.invalidConnectFlags) {
            try self.decode([0x10, 0x0C] + base + [0x0A, 0x00, 0x3C, 0x00, 0x00], version: .v311)
        }
        // Password without user name in 3.1.1.
        #expect(throws: MQTTDecodingError.invalidConnectFlags) {
            try self.decode([0x10, 0x0C] + base + [0x42, 0x00, 0x3C, 0x00, 0x00], version: .v311)
        }
        // Protocol level 3 ("MQIsdp" era) is not supported.
        #expect(throws: MQTTDecodingError.unsupportedProtocol(name: "MQTT", level: 3)) {
            try self.decode(
                [0x10, 0x0C, 0x00, 0x04, 0x4D, 0x51, 0x54, 0x54, 0x03, 0x02, 0x00, 0x3C, 0x00, 0x00], version: .v311)
        }
        // Trailing bytes after the payload.
        #expect(throws: MQTTDecodingError.trailingBytes) {
            try self.decode([0x10, 0x0D] + base + [0x02, 0x00, 0x3C, 0x00, 0x00, 0xFF], version: .v311)
        }
    }

    @Test func propertyRules() {
        // PUBLISH v5, topic "a", properties: content type twice.
        let duplicate: [UInt8] = [0x30, 0x0C, 0x00, 0x01, 0x61, 0x08, 0x03, 0x00, 0x01, 0x78, 0x03, 0x00, 0x01, 0x79]
        #expect(throws: MQTTDecodingError.duplicateProperty(0x03)) { try self.decode(duplicate) }
        #expect(MQTTReasonCode(MQTTDecodingError.duplicateProperty(3)) == .protocolError)
        // Unknown property 0x7F.
        #expect(throws: MQTTDecodingError.unknownProperty(0x7F)) {
            try self.decode([0x30, 0x05, 0x00, 0x01, 0x61, 0x01, 0x7F])
        }
        // Topic alias 0.
        #expect(throws: MQTTDecodingError.invalidPropertyValue(0x23)) {
            try self.decode([0x30, 0x07, 0x00, 0x01, 0x61, 0x03, 0x23, 0x00, 0x00])
        }
        // Property length beyond the packet.
        #expect(throws: MQTTDecodingError.truncated) { try self.decode([0x30, 0x04, 0x00, 0x01, 0x61, 0x05]) }
    }

    @Test func emptySubscribeAndZeroPacketID() {
        #expect(throws: MQTTDecodingError.emptyPayload) { try self.decode([0x82, 0x02, 0x00, 0x01], version: .v311) }
        #expect(throws: MQTTDecodingError.zeroPacketID) {
            try self.decode([0x32, 0x05, 0x00, 0x01, 0x61, 0x00, 0x00], version: .v311)
        }
        #expect(throws: MQTTDecodingError.invalidSubscriptionOptions) {
            try self.decode([0x82, 0x07, 0x00, 0x01, 0x00, 0x00, 0x01, 0x61, 0x30])
        }
    }

    @Test func reasonCodesForDecodingErrors() {
        #expect(MQTTReasonCode(MQTTDecodingError.packetTooLarge(10, limit: 5)) == .packetTooLarge)
        #expect(MQTTReasonCode(MQTTDecodingError.invalidQoS) == .malformedPacket)
        #expect(MQTTReasonCode(MQTTDecodingError.invalidUTF8) == .malformedPacket)
    }
}
