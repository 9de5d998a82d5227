import AMQPFuzzing
import FuzzSupport
import JunctionAMQPCodec
import NIOCore

/// AMQP 0-9-1 input as a connection reads it: an optional protocol header, then frames of every type (methods
/// with their arguments and field tables, content headers with their properties, bodies, heartbeats).
@main
enum FuzzAMQPFrame {
    static func main() {
        FuzzDriver.run { data, count in
            var input = ByteBuffer(fuzzInput: data, count: count)
            if input.getBytes(at: input.readerIndex, length: 4) == Array("AMQP".utf8) {
                guard (try? AMQPProtocolHeader.decode(&input)) != nil else { return 0 }
            }
            AMQPFrames.decodeAll(&input)
            return 0
        }
    }
}
