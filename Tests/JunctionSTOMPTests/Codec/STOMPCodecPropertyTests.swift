import JunctionSTOMP
import JunctionSTOMPCodec
import NIOCore
import PropertyBased
import Testing

/// Round trips over generated SEND frames in each version: header names and values with every character the
/// version can escape (1.2: `\`, `:`, LF, CR; 1.1: all but CR; 1.0: none), repeated names, bodies with NUL
/// bytes. The stream is fed to the decoder in reads of a generated size, so the resumed scan is covered too.
@Suite struct STOMPCodecPropertyTests {
    @Test(arguments: STOMPVersion.allCases)
    func sendFramesRoundTrip(_ version: STOMPVersion) async {
        await propertyCheck(count: 200, input: Self.frames(version), Gen.int(in: 1...64)) { frames, readSize in
            var stream = ByteBuffer()
            for frame in frames { stream.writeSTOMPFrame(frame, version: version) }
            var decoder = STOMPFrameDecoder(version: version)
            var buffer = ByteBuffer()
            var decoded: [STOMPFrame] = []
            while stream.readableBytes > 0 {
                var read = stream.readSlice(length: min(readSize, stream.readableBytes))!
                buffer.writeBuffer(&read)
                do {
                    while let inbound = try decoder.decode(buffer: &buffer) {
                        guard case .frame(let frame) = inbound else {
                            Issue.record("a heart-beat inside frames")
                            continue
                        }
                        decoded.append(frame)
                    }
                } catch {
                    Issue.record("an encoded frame is refused: \(error)")
                    return
                }
            }
            // The encoder frames every body with content-length, added after the frame's own headers.
            let expected = frames.map { frame in
                var framed = frame
                if frame.body.readableBytes > 0 {
                    framed.headers.append("content-length", "\(frame.body.readableBytes)")
                }
                return framed
            }
            #expect(decoded == expected)
            #expect(buffer.readableBytes == 0)
        }
    }

    static func frames(_ version: STOMPVersion) -> Generator<[STOMPFrame], Shrink.None<[STOMPFrame]>> {
        let special: [Character] =
            switch version {
            case .v1_2: ["\\", ":", "\n", "\r"]
            case .v1_1: ["\\", ":", "\n"]
            case .v1_0: []
            }
        let characters: [Character] = ["a", "b", "-", "/", "é", "😀", "0"] + special
        return Generator { rng in
            func text(_ rng: inout any SeededRandomNumberGenerator, minCount: Int) -> String {
                String(
                    (0..<Int.random(in: minCount...12, using: &rng)).map { _ in characters.randomElement(using: &rng)! }
                )
            }
            return (0..<Int.random(in: 1...4, using: &rng)).map { _ in
                var headers = STOMPHeaders()
                headers.append("destination", "/queue/" + text(&rng, minCount: 1))
                for _ in 0..<Int.random(in: 0...5, using: &rng) {
                    // Names from a small set, so that repeated names occur.
                    let name =
                        Bool.random(using: &rng)
                        ? ["x", "receipt", "x-y"].randomElement(using: &rng)! : text(&rng, minCount: 1)
                    headers.append(name, text(&rng, minCount: 0))
                }
                let body = (0..<Int.random(in: 0...40, using: &rng)).map { _ in UInt8.random(in: 0...255, using: &rng) }
                return STOMPFrame(.send, headers: headers, body: ByteBuffer(bytes: body))
            }
        }
    }
}
