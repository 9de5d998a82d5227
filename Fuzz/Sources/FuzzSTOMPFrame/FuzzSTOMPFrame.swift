import FuzzSupport
import JunctionSTOMPCodec
import NIOCore

/// STOMP input as a connection reads it: heart-beats and frames. The first byte picks the version (header
/// escaping) and the second the size of the reads the stream arrives in; the rest is the stream. The decoder
/// resumes its scan across reads, so the frames decoded from the stream read by read must be the frames
/// decoded from it whole, and both must stop (or not) at the same refusal. (Heart-beats are not compared: a
/// run of EOLs is one heart-beat when it arrives at once and one per read when it arrives in pieces.)
@main
enum FuzzSTOMPFrame {
    /// Small limits, so that inputs of a few kilobytes reach every limit check.
    static let limits = STOMPFrameLimits(maxHeaderSectionSize: 512, maxHeaders: 16, maxBodySize: 1024)

    static func main() {
        FuzzDriver.run { data, count in
            var input = ByteBuffer(fuzzInput: data, count: count)
            guard let selector = input.readInteger(as: UInt8.self), let readSize = input.readInteger(as: UInt8.self)
            else { return 0 }
            let version = STOMPVersion.allCases[Int(selector) % STOMPVersion.allCases.count]
            let whole = Self.decode([input], version: version)
            var reads: [ByteBuffer] = []
            while input.readableBytes > 0 {
                reads.append(input.readSlice(length: min(Int(readSize) + 1, input.readableBytes))!)
            }
            let inReads = Self.decode(reads, version: version)
            fuzzCheck(whole.frames == inReads.frames, "read by read: \(inReads.frames), whole: \(whole.frames)")
            fuzzCheck(
                whole.refused == inReads.refused, "refused read by read: \(inReads.refused), whole: \(whole.refused)")
            return 0
        }
    }

    static func decode(_ reads: [ByteBuffer], version: STOMPVersion) -> (frames: [STOMPFrame], refused: Bool) {
        var decoder = STOMPFrameDecoder(version: version, limits: Self.limits)
        var stream = ByteBuffer()
        var frames: [STOMPFrame] = []
        for read in reads {
            stream.writeImmutableBuffer(read)
            do {
                while let next = try decoder.decode(buffer: &stream) {
                    if case .frame(let frame) = next { frames.append(frame) }
                }
            } catch {
                return (frames, true)
            }
        }
        return (frames, false)
    }
}
