import FuzzSupport
import JunctionMQTTCodec
import MQTTFuzzing
import NIOCore

/// The input is an MQTT 5 property list (identifiers and values, without the length): wrapped in an AUTH
/// packet, whose decoder accepts every property, so that every input reaches the property decoder.
@main
enum FuzzMQTT5Properties {
    static func main() {
        FuzzDriver.run { data, count in
            let properties = ByteBuffer(fuzzInput: data, count: count)
            var lengthField = ByteBuffer()
            lengthField.writeMQTTVariableByteInteger(properties.readableBytes)
            var input = ByteBuffer()
            input.writeInteger(UInt8(0xF0))  // AUTH, flags 0
            input.writeMQTTVariableByteInteger(1 + lengthField.readableBytes + properties.readableBytes)
            input.writeInteger(UInt8(0x18))  // continue authentication
            input.writeImmutableBuffer(lengthField)
            input.writeImmutableBuffer(properties)
            MQTTPackets.decodeAll(&input, version: .v5)
            return 0
        }
    }
}
