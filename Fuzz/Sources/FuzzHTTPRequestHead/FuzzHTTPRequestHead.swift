import FuzzSupport
import JunctionCore
import JunctionHTTP
import NIOCore
import NIOEmbedded
import NIOHTTP1

/// HTTP/1.1 input as the listener reads it: NIO's request decoder, then everything Junction reads from a
/// request head before it touches the engine: the request target (path segments and query), the route and
/// its methods, Basic credentials, the message properties of the publish headers and a stream read's query.
/// The first byte picks the size of the reads; the rest is the stream (several requests may follow).
@main
enum FuzzHTTPRequestHead {
    static func main() {
        FuzzDriver.run { data, count in
            var input = ByteBuffer(fuzzInput: data, count: count)
            guard let selector = input.readInteger(as: UInt8.self) else { return 0 }
            let channel = EmbeddedChannel()
            do {
                try channel.pipeline.syncOperations.addHandler(
                    ByteToMessageHandler(HTTPRequestDecoder(leftOverBytesStrategy: .forwardBytes)))
            } catch {
                fatalError("cannot build the pipeline: \(error)")
            }
            let readSize = Int(selector) + 1
            reading: while input.readableBytes > 0 {
                let read = input.readSlice(length: min(readSize, input.readableBytes))!
                if (try? channel.writeInbound(read)) == nil { break }
                while let part = try? channel.readInbound(as: HTTPServerRequestPart.self) {
                    guard case .head(let head) = part else { continue }
                    Self.interpret(head)
                }
            }
            _ = try? channel.finish(acceptAlreadyClosed: true)
            channel.embeddedEventLoop.run()
            return 0
        }
    }

    /// What `HTTPConnectionHandler` derives from a head, without an engine.
    static func interpret(_ head: HTTPRequestHead) {
        guard let path = HTTPPath(target: head.uri) else { return }
        if let route = HTTPRoute(path: path.segments) {
            _ = route.allowedMethods.contains(head.method)
            if case .streamMessages = route {
                _ = try? HTTPStreamQuery(path.query, defaultOffset: "first")
            }
        }
        if let authorization = head.headers.first(name: "Authorization") {
            if let credentials = BasicAuthorization(headerValue: authorization) {
                fuzzCheck(!credentials.username.contains(":"), "a user name with a colon: \(credentials.username)")
            }
        }
        _ = try? HTTPMessageHeaders.properties(from: head.headers)
    }
}
