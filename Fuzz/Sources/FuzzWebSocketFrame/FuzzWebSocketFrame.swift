import FuzzSupport
import JunctionHTTP
import NIOCore
import NIOEmbedded
import NIOWebSocket

/// WebSocket input after the upgrade, through the pipeline the HTTP listener installs: NIO's frame decoder
/// (RFC 6455 framing, masking, size limit) and Junction's `WebSocketFrameHandler` (fragments, control frames,
/// the close handshake). The first byte picks text or binary output and the size of the reads; the rest is
/// the stream. The payload bytes the handler passes up must be the data frames' payloads, in order.
@main
enum FuzzWebSocketFrame {
    /// A small frame limit, so that inputs of a few kilobytes reach the refusal.
    static let maxFrameSize = 1024
    static let peer = try! SocketAddress(ipAddress: "127.0.0.1", port: 61613)

    static func main() {
        FuzzDriver.run { data, count in
            var input = ByteBuffer(fuzzInput: data, count: count)
            guard let selector = input.readInteger(as: UInt8.self) else { return 0 }
            let channel = EmbeddedChannel()
            let received = ReceivedBytes()
            do {
                try channel.pipeline.syncOperations.addHandlers([
                    ByteToMessageHandler(WebSocketFrameDecoder(maxFrameSize: Self.maxFrameSize)),
                    WebSocketProtocolErrorHandler(),
                    WebSocketFrameHandler(sendsTextFrames: selector & 1 == 1),
                    received,
                ])
            } catch {
                fatalError("cannot build the pipeline: \(error)")
            }
            // The upgraded socket is connected: the handler writes (pongs, closes) only on an active channel.
            _ = channel.connect(to: Self.peer)
            let readSize = Int(selector >> 1) + 1
            while input.readableBytes > 0, channel.isActive {
                let read = input.readSlice(length: min(readSize, input.readableBytes))!
                if (try? channel.writeInbound(read)) == nil { break }
                // The handler answers pings and closes; what it writes must be frames.
                while let written = try? channel.readOutbound(as: ByteBuffer.self) { _ = written }
            }
            // Data sent down the pipeline goes out as frames while the socket is open.
            _ = try? channel.writeOutbound(ByteBuffer(string: "MESSAGE\n\nbody\u{0}"))
            // The handler may have closed the channel itself; the embedded loop must still run the tasks that
            // tear the pipeline down (a real loop always does), or the handlers would be reported as leaked.
            _ = try? channel.finish(acceptAlreadyClosed: true)
            channel.embeddedEventLoop.run()
            fuzzCheck(received.bytes.readableBytes <= count, "more payload bytes came up than went in")
            return 0
        }
    }
}

/// The end of the pipeline: the protocol that would read the payloads.
final class ReceivedBytes: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    var bytes = ByteBuffer()

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        var payload = Self.unwrapInboundIn(data)
        self.bytes.writeBuffer(&payload)
    }
}
