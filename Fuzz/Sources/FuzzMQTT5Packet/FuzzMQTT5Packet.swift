import FuzzSupport
import JunctionMQTTCodec
import MQTTFuzzing
import NIOCore

/// MQTT 5 input as a connection reads it: packets of every type, framed and decoded in a session of
/// protocol version 5.
@main
enum FuzzMQTT5Packet {
    static func main() {
        FuzzDriver.run { data, count in
            var input = ByteBuffer(fuzzInput: data, count: count)
            MQTTPackets.decodeAll(&input, version: .v5)
            return 0
        }
    }
}
