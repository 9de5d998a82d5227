import NIOCore
import NIOHTTP1

/// An `HTTPResponse`'s status line and header block as the bytes on the wire, for a listener that writes
/// its answers itself instead of through NIO's response encoder and pipelining handler (SQS: those handlers
/// and the typed parts passed between them were ~12% of its loops' CPU, an answer being three writes of
/// boxed parts through three handlers each).
enum HTTPResponseHeadBytes {
    /// Appends the head of `response` for a body of `contentLength` bytes: the status line in the request's
    /// version, the response's own headers, `Content-Length`, `Server`, and `Connection` when it differs
    /// from the version's default (`close` on HTTP/1.1, `keep-alive` on HTTP/1.0).
    static func write(
        _ response: HTTPResponse, version: HTTPVersion, keepAlive: Bool, contentLength: Int,
        into buffer: inout ByteBuffer
    ) {
        buffer.writeStaticString("HTTP/")
        buffer.writeString(String(version.major))
        buffer.writeInteger(UInt8(ascii: "."))
        buffer.writeString(String(version.minor))
        buffer.writeInteger(UInt8(ascii: " "))
        buffer.writeString(String(response.status.code))
        buffer.writeInteger(UInt8(ascii: " "))
        buffer.writeString(response.status.reasonPhrase)
        buffer.writeStaticString("\r\n")
        for (name, value) in response.headers {
            // The broker sets these itself (`HTTPResponse` carries its own length and connection headers).
            if Self.isFraming(name) { continue }
            buffer.writeString(name)
            buffer.writeStaticString(": ")
            buffer.writeString(value)
            buffer.writeStaticString("\r\n")
        }
        buffer.writeStaticString("Content-Length: ")
        buffer.writeString(String(contentLength))
        buffer.writeStaticString("\r\nServer: Junction\r\n")
        let defaultsToKeepAlive = version.major > 1 || (version.major == 1 && version.minor >= 1)
        if !keepAlive {
            buffer.writeStaticString("Connection: close\r\n")
        } else if !defaultsToKeepAlive {
            buffer.writeStaticString("Connection: keep-alive\r\n")
        }
        buffer.writeStaticString("\r\n")
    }

    /// A refusal that ends the connection: `status`, no body, `Connection: close` (the request guard's 408 and
    /// 431, the SQS listener's 400), written below any HTTP encoder.
    static func refusal(_ status: HTTPResponseStatus) -> ByteBuffer {
        var buffer = ByteBuffer()
        Self.write(HTTPResponse(status: status), version: .http1_1, keepAlive: false, contentLength: 0, into: &buffer)
        return buffer
    }

    /// `Server`, `Connection`, `Content-Length` or `Transfer-Encoding`, in any case. The length is looked at
    /// first: the headers answers do carry (`Content-Type`, `x-amzn-RequestId`) are none of those lengths.
    static func isFraming(_ name: String) -> Bool {
        switch name.utf8.count {
        case 6, 10, 14, 17:
            return ["server", "connection", "content-length", "transfer-encoding"].contains(name.lowercased())
        default:
            return false
        }
    }
}
