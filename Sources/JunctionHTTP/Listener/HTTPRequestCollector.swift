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
        /// The body so far: nil before its first part; the first part as NIO gave it (a slice of the read,
        /// not copied) until a second one comes; then a buffer of its own (`owned`), sized for the declared
        /// length, that later parts are appended to.
        case receiving(HTTPRequestHead, ByteBuffer?, owned: Bool, declared: Int)
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
            let declared = head.headers.first(name: "Content-Length").flatMap(Int.init) ?? 0
            if declared > self.maxBodyBytes {
                self.state = .discarding(head)
            } else {
                self.state = .receiving(head, nil, owned: false, declared: declared)
            }
            return .collecting
        case (.body(var part), .receiving(let head, let body, let owned, let declared)):
            let length = (body?.readableBytes ?? 0) + part.readableBytes
            guard length <= self.maxBodyBytes else {
                self.state = .discarding(head)
                return .collecting
            }
            guard var body else {
                // A body that comes in one part (most do) is kept as that part: no copy of it.
                self.state = .receiving(head, part, owned: false, declared: declared)
                return .collecting
            }
            // Out of the enum while appending, so an owned buffer is uniquely referenced (no copy).
            self.state = .idle
            if !owned {
                var first = body
                body = allocator.buffer(capacity: max(declared, length))
                body.writeBuffer(&first)
            }
            body.writeBuffer(&part)
            self.state = .receiving(head, body, owned: true, declared: declared)
            return .collecting
        case (.body, .discarding):
            return .collecting
        case (.end, .receiving(let head, let body, _, _)):
            self.state = .idle
            return .complete(head, body ?? allocator.buffer(capacity: 0))
        case (.end, .discarding(let head)):
            self.state = .idle
            return .tooLarge(head)
        case (.head, _), (.body, _), (.end, _):
            self.state = .idle
            return .outOfOrder
        }
    }
}
