import FuzzSupport
import JunctionMQTTCodec
import MQTTFuzzing
import NIOCore

/// MQTT 3.1.1 input as a connection reads it: packets of every type, framed and decoded in a session of
/// protocol version 3.1.1.
@main
enum FuzzMQTT311Packet {
    static func main() {
        FuzzDriver.run { data, count in
            var input = ByteBuffer(fuzzInput: data, count: count)
            MQTTPackets.decodeAll(&input, version: .v311)
            return 0
        }
    }
}
