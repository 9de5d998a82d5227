import NIOCore

/// A signed SQS request assembled in one reused buffer: the JSON body is written in place after room left for
/// the head, hashed there, and the head (which holds the body's signature and length) is then written just
/// before it. The request goes to the socket as one buffer, with no copy of the body, no `HTTPHeaders` and no
/// pass through NIO's request encoder (together about a sixth of the client's CPU).
struct SQSBenchRequest {
    /// More than any head needs (about 400 bytes).
    static let headRoom = 1024

    private var signer: SQSBenchSigner
    /// The request being built: the body from `headRoom`, then the head before it.
    var buffer: ByteBuffer
    private var head = ByteBuffer()

    init(signer: SQSBenchSigner, allocator: ByteBufferAllocator) {
        self.signer = signer
        self.buffer = allocator.buffer(capacity: 16 * 1024)
    }

    /// Starts a request: its body is then written into `buffer`. The storage is reused once the socket has
    /// taken the previous request (otherwise `clear` allocates new storage, leaving that request untouched).
    mutating func begin() {
        self.buffer.clear(minimumCapacity: 16 * 1024)
        self.buffer.moveWriterIndex(to: Self.headRoom)
        self.buffer.moveReaderIndex(to: Self.headRoom)
    }

    /// Signs the body written since `begin`, puts the head before it and returns the whole request.
    mutating func finish(target: StaticString) -> ByteBuffer {
        self.head.clear()
        self.signer.writeHead(target: target, body: self.buffer, into: &self.head)
        let start = Self.headRoom - self.head.readableBytes
        precondition(start >= 0, "an SQS request head of \(self.head.readableBytes) bytes")
        self.buffer.setBuffer(self.head, at: start)
        self.buffer.moveReaderIndex(to: start)
        return self.buffer
    }
}
