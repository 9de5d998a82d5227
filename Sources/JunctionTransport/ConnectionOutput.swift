public import NIOCore

/// One connection's outbound bytes. Every frame of a read burst (replies, deliveries, confirms) is
/// encoded into `buffer` and written with one flush at the end of the burst; output caused by
/// another connection (a delivery during someone else's publish) is flushed once when the event
/// loop gets to it, so a burst of deliveries costs one syscall. Shared by every protocol handler.
public final class ConnectionOutput {
    /// Where frames are encoded. Between flushes nothing is held: an idle connection keeps no output
    /// memory (the shared empty buffer). The first write after a flush reserves `nextCapacity` at once,
    /// so a burst still costs one allocation, as before.
    public var buffer: ByteBuffer {
        get { self.pending }
        _modify {
            if self.pending.capacity == 0 { self.pending.reserveCapacity(self.nextCapacity) }
            yield &self.pending
        }
        set { self.pending = newValue }
    }
    private var pending = ByteBuffer()
    /// Capacity reserved by the first write after a flush: the last burst's size, at least `minimumCapacity`.
    private var nextCapacity: Int
    private var flushScheduled = false
    /// While set, nothing is written (a flush scheduled before it was set included): the owner waits for
    /// state that the buffered output announces to be stored (MQTT's PUBREC and PUBREL, `stageSessionWrite`).
    public var isHeld = false
    private var context: ChannelHandlerContext?
    private let minimumCapacity: Int
    /// Bytes encoded here and not yet handed to the channel past which the connection takes no
    /// more deliveries. Channel writability alone does not bound this buffer: within one event-loop
    /// turn a queue's dispatch could otherwise move a whole backlog into it before the flush that
    /// makes the channel unwritable. The channel's own pending bytes are bounded by its
    /// write-buffer water mark, so a consumer that stops reading holds at most both. The server sets
    /// it to the socket's low water mark (`limits.output_low_water_bytes`) through each adapter's
    /// configuration.
    public let deliveryHighWaterMark: Int
    public static let defaultDeliveryHighWaterMark = 256 * 1024
    /// Called after a flush that emptied a buffer at or above the high-water mark, while the
    /// channel is writable: the handler resumes its subscriptions. Cleared at `detach`.
    public var onDrained: (() -> Void)?

    public init(minimumCapacity: Int = 4096, deliveryHighWaterMark: Int = ConnectionOutput.defaultDeliveryHighWaterMark)
    {
        self.minimumCapacity = minimumCapacity
        self.nextCapacity = minimumCapacity
        self.deliveryHighWaterMark = deliveryHighWaterMark
    }

    /// From the handler's `handlerAdded`.
    public func attach(_ context: ChannelHandlerContext) {
        self.context = context
    }

    /// From the handler's `handlerRemoved`.
    public func detach() {
        self.context = nil
        self.onDrained = nil
    }

    /// Whether another delivery may be encoded here (one compare per delivery).
    public var isBelowHighWaterMark: Bool { self.pending.readableBytes < self.deliveryHighWaterMark }

    /// Flushes once, later in this event-loop turn.
    public func scheduleFlush() {
        guard !self.flushScheduled, let context = self.context else { return }
        self.flushScheduled = true
        // A strong capture: the closure runs later in this loop turn, and a weak reference would give this object
        // a side table that makes every retain and release of it take the slow path.
        context.eventLoop.assumeIsolated().execute { [self] in
            self.flush()
        }
    }

    /// Writes and flushes what is buffered; returns whether anything was written.
    @discardableResult
    public func flush() -> Bool {
        self.flushScheduled = false
        guard !self.isHeld, let context = self.context, self.pending.readableBytes > 0 else { return false }
        let pending = self.pending
        let wasFull = pending.readableBytes >= self.deliveryHighWaterMark
        // A full buffer's successor starts small: its capacity is not kept for a consumer that stopped reading.
        self.nextCapacity = wasFull ? self.minimumCapacity : max(self.minimumCapacity, pending.readableBytes)
        self.pending = ByteBuffer()
        context.writeAndFlush(NIOAny(pending), promise: nil)
        if wasFull, context.channel.isWritable { self.onDrained?() }
        return true
    }
}

@available(*, unavailable)
extension ConnectionOutput: Sendable {}
