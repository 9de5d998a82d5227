import AMQPFuzzing
import FuzzSupport
import NIOCore

/// The input is a content header frame's payload (class-id, weight, body size, property flags and
/// properties, headers table included), framed here so that every input reaches the header decoder. It is
/// decoded twice in a row, as a publisher's repeated headers are (the decoder's last-properties cache).
@main
enum FuzzAMQPContentHeader {
    static func main() {
        FuzzDriver.run { data, count in
            let frame = AMQPFrameWrapping.frame(type: 2, payload: ByteBuffer(fuzzInput: data, count: count))
            var input = frame
            input.writeImmutableBuffer(frame)
            AMQPFrames.decodeAll(&input)
            return 0
        }
    }
}
