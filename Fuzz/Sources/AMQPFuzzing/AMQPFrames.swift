import FuzzSupport
import JunctionAMQPCodec
public import NIOCore

/// What every AMQP target checks: decoding stops at a refusal or at the end of the input, and every frame
/// decoded re-encodes to bytes that decode and re-encode to the same bytes (byte equality, so a NaN
/// double in a field table is no false alarm).
public enum AMQPFrames {
    /// The largest frame the decoder accepts here: RabbitMQ's default frame-max.
    static let frameMax = 131_072

    public static func decodeAll(_ input: inout ByteBuffer) {
        var decoder = AMQPFrameDecoder(maxFrameSize: Self.frameMax)
        while true {
            let frame: AMQPFrame?
            do {
                frame = try decoder.decode(buffer: &input)
            } catch {
                return
            }
            guard let frame else { return }
            Self.checkRoundTrip(frame)
        }
    }

    static func checkRoundTrip(_ frame: AMQPFrame) {
        // An empty body frame is valid input, but the encoder never sends one (a body of 0 bytes has no frame).
        if case .body(_, let body) = frame, body.readableBytes == 0 { return }
        var encoded = ByteBuffer()
        // Each body frame carries at most frame-max less the 8 bytes of framing: one frame in, one frame out.
        encoded.writeAMQPFrame(frame, frameMax: Self.frameMax + 8)
        var decoder = AMQPFrameDecoder(maxFrameSize: 0)
        var copy = encoded
        let again: AMQPFrame?
        do {
            again = try decoder.decode(buffer: &copy)
        } catch {
            fuzzCheck(false, "re-encoded \(frame) is refused: \(error)")
            return
        }
        guard let again else {
            fuzzCheck(false, "re-encoded \(frame) is incomplete")
            return
        }
        fuzzCheck(copy.readableBytes == 0, "re-encoded \(frame) decodes with bytes left over")
        var reencoded = ByteBuffer()
        reencoded.writeAMQPFrame(again, frameMax: Self.frameMax + 8)
        fuzzCheck(reencoded == encoded, "\(frame) re-encodes differently after a round trip: \(again)")
    }
}
