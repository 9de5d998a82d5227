import NIOCore
import NIOHTTP1

/// Collects one HTTP request from NIO's parts with a bounded body: a body over `maxBodyBytes` (declared by
/// `Content-Length` or found while reading) is read to its end without being kept, then reported, so the
/// handler can answer 413 and close. Shared by the management API and SQS listeners.
struct HTTPRequestCollector {
    enum Outcome {
        /// More parts are needed.
        case collecting
        case complete(HTTPRequestHead, ByteBuffer)
        /// The body was over the limit; it has been read to its end.
        case tooLarge(HTTPRequestHead)
        /// A part that does not fit the request being read (NIO's pipelining handler never interleaves
        /// requests): a broken peer.
        case outOfOrder
    }

    private enum State {
        case idle
        case receiving(HTTPRequestHead, ByteBuffer)
        case discarding(HTTPRequestHead)
    }

    let maxBodyBytes: Int
    private var state = State.idle

    init(maxBodyBytes: Int) {
        self.maxBodyBytes = maxBodyBytes
    }

    /// Whether no request is being read.
    var isIdle: Bool {
        if case .idle = self.state { return true }
        return false
    }

    mutating func read(_ part: HTTPServerRequestPart, allocator: ByteBufferAllocator) -> Outcome {
        switch (part, self.state) {
        case (.head(let head), .idle):
            if let length = head.headers.first(name: "Content-Length").flatMap(Int.init), length > self.maxBodyBytes {
                self.state = .discarding(head)
            } else {
                self.state = .receiving(head, allocator.buffer(capacity: 0))
            }
            return .collecting
        case (.body(var part), .receiving(let head, var body)):
            if body.readableBytes + part.readableBytes > self.maxBodyBytes {
                self.state = .discarding(head)
            } else {
                // Out of the enum while appending, so the buffer is uniquely referenced (no copy).
                self.state = .idle
                body.writeBuffer(&part)
                self.state = .receiving(head, body)
            }
            return .collecting
        case (.body, .discarding):
            return .collecting
        case (.end, .receiving(let head, let body)):
            self.state = .idle
            return .complete(head, body)
        case (.end, .discarding(let head)):
            self.state = .idle
            return .tooLarge(head)
        case (.head, _), (.body, _), (.end, _):
            self.state = .idle
            return .outOfOrder
        }
    }
}
