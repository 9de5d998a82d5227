import NIOCore
import NIOHTTP1

/// Writes one complete response on a server pipeline (the HTTP API's and the SQS listener's): head with
/// `Content-Length`, body, end; closes after it when the request or the caller asks.
enum HTTPResponseWriter {
    static func write(
        _ response: HTTPResponse, to request: HTTPRequestHead, context: ChannelHandlerContext,
        requestGuard: HTTPRequestGuard, forceClose: Bool = false
    ) {
        let keepAlive = request.isKeepAlive && !forceClose
        // Before the end is written: the pipelining handler may hand over the next request from inside that write.
        if keepAlive { requestGuard.responseFinished() }
        var head = HTTPResponseHead(version: request.version, status: response.status, headers: response.headers)
        head.headers.replaceOrAdd(name: "Content-Length", value: String(response.body.readableBytes))
        head.headers.replaceOrAdd(name: "Server", value: "Junction")
        if !keepAlive { head.headers.replaceOrAdd(name: "Connection", value: "close") }
        context.write(NIOAny(HTTPServerResponsePart.head(head)), promise: nil)
        if request.method != .HEAD && response.body.readableBytes > 0 {
            context.write(NIOAny(HTTPServerResponsePart.body(.byteBuffer(response.body))), promise: nil)
        }
        guard !keepAlive else {
            // No promise: a kept-alive connection has nothing to do when the write completes.
            context.writeAndFlush(NIOAny(HTTPServerResponsePart.end(nil)), promise: nil)
            return
        }
        context.writeAndFlush(NIOAny(HTTPServerResponsePart.end(nil))).assumeIsolated().whenComplete { _ in
            context.close(promise: nil)
        }
    }
}
