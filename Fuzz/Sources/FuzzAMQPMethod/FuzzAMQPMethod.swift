import AMQPFuzzing
import FuzzSupport
import NIOCore

/// The input is a method frame's payload (class-id, method-id, arguments): framed here so that every input
/// reaches the method decoder, which is internal to JunctionAMQP.
@main
enum FuzzAMQPMethod {
    static func main() {
        FuzzDriver.run { data, count in
            var input = AMQPFrameWrapping.frame(type: 1, payload: ByteBuffer(fuzzInput: data, count: count))
            AMQPFrames.decodeAll(&input)
            return 0
        }
    }
}
