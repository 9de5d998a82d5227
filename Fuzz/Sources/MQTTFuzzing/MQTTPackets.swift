import FuzzSupport
public import JunctionMQTTCodec
import JunctionModel
public import NIOCore

/// What every MQTT target checks: decoding stops at a refusal or at the end of the input, and every packet
/// decoded re-encodes to bytes that decode and re-encode to the same bytes.
public enum MQTTPackets {
    /// The connection's decoding as the handler does it: framing, then the packet with the last topic at hand.
    public static func decodeAll(_ input: inout ByteBuffer, version: MQTTProtocolVersion) {
        let framer = MQTTPacketDecoder(maximumPacketSize: MQTTLimits.maximumVariableByteInteger)
        var topics = RepeatedStringCache()
        while true {
            let packet: MQTTPacket
            do {
                guard let raw = try framer.decodePacket(buffer: &input) else { return }
                packet = try MQTTPacket.decode(raw, version: version, topics: &topics)
            } catch {
                return
            }
            Self.checkRoundTrip(packet, version: version)
        }
    }

    static func checkRoundTrip(_ packet: MQTTPacket, version: MQTTProtocolVersion) {
        // CONNECT carries its own version; every other packet is encoded in the session's.
        let encodingVersion: MQTTProtocolVersion
        if case .connect(let connect) = packet {
            encodingVersion = connect.protocolVersion
        } else {
            encodingVersion = version
        }
        var encoded = ByteBuffer()
        encoded.writeMQTTPacket(packet, version: encodingVersion)
        var copy = encoded
        let again: MQTTPacket?
        do {
            again = try MQTTPacket.decode(from: &copy, version: encodingVersion)
        } catch {
            fuzzCheck(false, "re-encoded \(packet) is refused: \(error)")
            return
        }
        guard let again else {
            fuzzCheck(false, "re-encoded \(packet) is incomplete")
            return
        }
        fuzzCheck(copy.readableBytes == 0, "re-encoded \(packet) decodes with bytes left over")
        var reencoded = ByteBuffer()
        reencoded.writeMQTTPacket(again, version: encodingVersion)
        fuzzCheck(reencoded == encoded, "\(packet) re-encodes differently after a round trip: \(again)")
    }
}
