import DequeModule
import JunctionModel
import NIOCore

/// Waiting bodies packed into shared slabs.
///
/// A body arrives as a slice of the read buffer it came in, and NIO rounds every buffer up to a
/// power of two: a client that writes one 1 KiB message at a time leaves each queued message holding
/// a 2 KiB buffer of its own. Small bodies that wait are therefore copied, a slab at a time, into one
/// 64 KiB buffer: the slab is written completely before any slice of it is handed out (a write to a
/// buffer whose storage is shared would copy it), so this costs one copy of each waiting body and one
/// allocation per ~60 messages. Messages delivered straight to a consumer are never copied, nor are bodies
/// whose buffer holds little else.
extension MessageQueue {
    static let slabBytes = 64 * 1024
    /// Larger bodies have little to gain and are left where they are.
    static let packableBodyBytes = 16 * 1024

    /// Appends a waiting message, packing the run of small bodies at the tail when a slab is full.
    func appendReady(_ entry: consuming QueuedMessage) {
        let size = entry.message.body.readableBytes
        // A priority queue's messages go to the tails of several levels: they are not packed. Nor is a body
        // that fills its own buffer (within an eighth): copying it would save no memory (an SQS body is
        // decoded into a buffer of its size; packing those copied every 1 KiB body once more).
        guard size <= Self.packableBodyBytes, !self.ready.isPrioritized,
            entry.message.body.storageCapacity - size > size / 8
        else {
            self.packTail()
            self.ready.append(entry)
            return
        }
        if self.unpackedTailBytes + size > Self.slabBytes {
            self.packTail()
        }
        self.ready.append(entry)
        self.unpackedTailCount += 1
        self.unpackedTailBytes += size
    }

    /// The head left the queue: if it belonged to the unpacked tail, the tail is shorter.
    func headRemovedFromReady(_ entry: QueuedMessage) {
        if self.ready.inMemoryCount < self.unpackedTailCount {
            self.unpackedTailCount = self.ready.inMemoryCount
            self.unpackedTailBytes -= min(self.unpackedTailBytes, entry.message.body.readableBytes)
        }
    }

    func readyCleared() {
        self.unpackedTailCount = 0
        self.unpackedTailBytes = 0
    }

    /// Copies the bodies of the unpacked tail into one slab and points the messages at it.
    func packTail() {
        defer { self.readyCleared() }
        let count = self.unpackedTailCount
        guard count > 1, count <= self.ready.fifo.count else { return }
        let start = self.ready.fifo.count - count
        var slab = ByteBufferAllocator().buffer(capacity: Self.slabBytes)
        // Both passes go through the deque's in-place accessor (a mutating call): reading an element
        // through its getter would copy the whole entry, retains and all.
        for index in start..<self.ready.fifo.count {
            self.ready.fifo[index].copyBody(to: &slab)
        }
        var position = 0
        for index in start..<self.ready.fifo.count {
            position = self.ready.fifo[index].pointBody(into: slab, at: position)
        }
    }
}

extension QueuedMessage {
    /// Appends the body's bytes to `slab`. Mutating only so that a deque element is accessed in place.
    fileprivate mutating func copyBody(to slab: inout ByteBuffer) {
        _ = self.message.body.withUnsafeReadableBytes { slab.writeBytes($0) }
    }

    /// Points the body at its copy in `slab`, which starts at `position`; returns where the next one starts.
    fileprivate mutating func pointBody(into slab: ByteBuffer, at position: Int) -> Int {
        let length = self.message.body.readableBytes
        self.message.body = slab.getSlice(at: position, length: length)!
        return position + length
    }
}
