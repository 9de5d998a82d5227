import NIOCore
import NIOHTTP1

/// The first handler of an HTTP connection, in front of the HTTP decoder: bounds what a client may
/// make the broker wait for or buffer before a request head is complete (slowloris).
/// - A request head (request line and headers) must arrive within `headerTimeout` of the connection
///   opening or of its first byte after the previous response; otherwise 408 and close.
/// - A head larger than `maxHeaderBytes` is answered 431 and the connection closed.
/// - A keep-alive connection idle for `idleTimeout` between requests is closed.
/// The connection handler reports when a head arrives and when a response is done; while a request
/// is served (long polls, event streams) no timer runs. The refusals are written as raw bytes from
/// here, below the HTTP encoder, since no request is in flight to answer.
final class HTTPRequestGuard: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer
    typealias OutboundOut = ByteBuffer

    private let maxHeaderBytes: Int
    private let headerTimeout: TimeAmount
    private let idleTimeout: TimeAmount
    private var context: ChannelHandlerContext?
    /// Between requests: bytes read here count towards the next head.
    private var awaitingHead = true
    private var headBytes = 0
    /// When the current wait ends (nil while a request is served) and what it waits for.
    private var deadline: NIODeadline?
    private var deadlineIsForHead = false
    /// At most one timer, set to fire at or before `deadline`; when it fires early it is set again. Moving a
    /// deadline is a clock read, not a timer: with a timer scheduled and cancelled twice per request, timers
    /// were ~3.5% of the SQS loops' CPU (an allocation and a search of the loop's timer heap each time).
    private var timer: Scheduled<Void>?
    private var timerFiresAt: NIODeadline?
    /// After an upgrade the bytes are another protocol's: nothing is counted or timed.
    private var disabled = false

    init(maxHeaderBytes: Int, headerTimeout: TimeAmount, idleTimeout: TimeAmount) {
        self.maxHeaderBytes = maxHeaderBytes
        self.headerTimeout = headerTimeout
        self.idleTimeout = idleTimeout
    }

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
        if context.channel.isActive { self.startTimer(forHead: true) }
    }

    func channelActive(context: ChannelHandlerContext) {
        self.startTimer(forHead: true)
        context.fireChannelActive()
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        self.stop()
        self.context = nil
    }

    func channelInactive(context: ChannelHandlerContext) {
        self.stop()
        context.fireChannelInactive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard !self.disabled else { return context.fireChannelRead(data) }
        if self.awaitingHead {
            self.headBytes += Self.unwrapInboundIn(data).readableBytes
            if !self.deadlineIsForHead { self.startTimer(forHead: true) }
        }
        context.fireChannelRead(data)
        // The decoder has seen these bytes: a head that is still incomplete is over the limit.
        if self.awaitingHead && !self.disabled && self.headBytes > self.maxHeaderBytes {
            self.refuse(.requestHeaderFieldsTooLarge, context: context)
        }
    }

    /// The bytes of a request head as it came on the wire (request line, header lines, blank line).
    static func size(of head: HTTPRequestHead) -> Int {
        var size = head.method.rawValue.utf8.count + head.uri.utf8.count + 13
        for (name, value) in head.headers { size += name.utf8.count + value.utf8.count + 4 }
        return size + 2
    }

    /// A request head was decoded: its request is being served.
    func headReceived() {
        self.awaitingHead = false
        self.headBytes = 0
        // The timer stays set: when it fires it finds no deadline and ends.
        self.deadline = nil
        self.deadlineIsForHead = false
    }

    /// A response is complete and the connection stays open: wait for the next request.
    func responseFinished() {
        guard !self.disabled else { return }
        self.awaitingHead = true
        self.headBytes = 0
        self.startTimer(forHead: false)
    }

    /// The connection became a WebSocket.
    func stop() {
        self.disabled = true
        self.deadline = nil
        self.timer?.cancel()
        self.timer = nil
        self.timerFiresAt = nil
    }

    private func startTimer(forHead: Bool) {
        guard !self.disabled, let context = self.context else { return }
        let now = context.eventLoop.now
        let deadline = now + (forHead ? self.headerTimeout : self.idleTimeout)
        self.deadline = deadline
        self.deadlineIsForHead = forHead
        // An idle wait sets the timer no later than a head's wait would, so that the next request's head
        // finds a timer that fires in time and sets none of its own.
        self.setTimer(noLaterThan: min(deadline, now + self.headerTimeout))
    }

    private func setTimer(noLaterThan time: NIODeadline) {
        if let firesAt = self.timerFiresAt, firesAt <= time { return }
        guard let loop = self.context?.eventLoop.assumeIsolated() else { return }
        self.timer?.cancel()
        self.timerFiresAt = time
        self.timer = loop.scheduleTask(deadline: time) { [self] in self.timerFired() }
    }

    private func timerFired() {
        self.timer = nil
        self.timerFiresAt = nil
        guard let context = self.context, !self.disabled, let deadline = self.deadline else { return }
        let now = context.eventLoop.now
        if deadline > now {
            self.setTimer(noLaterThan: min(deadline, now + self.headerTimeout))
        } else if self.deadlineIsForHead {
            self.refuse(.requestTimeout, context: context)
        } else {
            context.close(promise: nil)
        }
    }

    private func refuse(_ status: HTTPResponseStatus, context: ChannelHandlerContext) {
        self.stop()
        context.writeAndFlush(Self.wrapOutboundOut(HTTPResponseHeadBytes.refusal(status))).assumeIsolated().whenComplete
        { _ in
            context.close(promise: nil)
        }
    }
}

@available(*, unavailable)
extension HTTPRequestGuard: Sendable {}
