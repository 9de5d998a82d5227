public import NIOCore
public import NIOWebSocket

/// Turns a WebSocket into the byte stream a protocol pipeline expects: text and binary payloads
/// (fragments included, in order) go up as `ByteBuffer`s; outbound `ByteBuffer`s go out as one
/// frame each. Answers pings, and runs the close handshake in both directions (RFC 6455 §5.5.1).
public final class WebSocketFrameHandler: ChannelDuplexHandler, RemovableChannelHandler {
    public typealias InboundIn = WebSocketFrame
    public typealias InboundOut = ByteBuffer
    public typealias OutboundIn = ByteBuffer
    public typealias OutboundOut = WebSocketFrame

    private enum State {
        case open(inFragmentedMessage: Bool)
        /// We sent Close and wait for the peer's.
        case closeSent
        case closed
    }

    private var state = State.open(inFragmentedMessage: false)
    private let outboundOpcode: WebSocketOpcode

    /// - Parameter sendsTextFrames: outbound bytes go in text frames (STOMP) rather than binary (MQTT).
    public init(sendsTextFrames: Bool) {
        self.outboundOpcode = sendsTextFrames ? .text : .binary
    }

    public func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let frame = Self.unwrapInboundIn(data)
        guard frame.maskKey != nil else {
            // RFC 6455 §5.1: a server must close on an unmasked client frame.
            return self.fail(context: context, code: .protocolError)
        }
        switch (frame.opcode, self.state) {
        case (.text, .open(let fragmented)), (.binary, .open(let fragmented)):
            guard !fragmented else { return self.fail(context: context, code: .protocolError) }
            self.state = .open(inFragmentedMessage: !frame.fin)
            self.forward(frame, context: context)
        case (.continuation, .open(let fragmented)):
            guard fragmented else { return self.fail(context: context, code: .protocolError) }
            self.state = .open(inFragmentedMessage: !frame.fin)
            self.forward(frame, context: context)
        case (.ping, .open):
            guard frame.fin else { return self.fail(context: context, code: .protocolError) }
            let pong = WebSocketFrame(fin: true, opcode: .pong, data: frame.unmaskedData)
            context.writeAndFlush(Self.wrapOutboundOut(pong), promise: nil)
        case (.pong, _), (.text, _), (.binary, _), (.continuation, _), (.ping, _):
            // A pong needs no answer; data after our Close is dropped (§5.5.1).
            break
        case (.connectionClose, .open):
            // Echo the peer's status code, then close the TCP connection (§5.5.1).
            var payload = frame.unmaskedData
            let code = payload.readInteger(as: UInt16.self)
            var reply = context.channel.allocator.buffer(capacity: 2)
            if let code { reply.writeInteger(code) }
            self.state = .closed
            let close = WebSocketFrame(fin: true, opcode: .connectionClose, data: reply)
            context.writeAndFlush(Self.wrapOutboundOut(close)).assumeIsolated().whenComplete { _ in
                context.close(promise: nil)
            }
        case (.connectionClose, .closeSent):
            self.state = .closed
            context.close(promise: nil)
        case (.connectionClose, .closed):
            break
        default:
            self.fail(context: context, code: .protocolError)
        }
    }

    private func forward(_ frame: WebSocketFrame, context: ChannelHandlerContext) {
        let payload = frame.unmaskedData
        guard payload.readableBytes > 0 else { return }
        context.fireChannelRead(Self.wrapInboundOut(payload))
    }

    public func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        guard case .open = self.state else {
            promise?.fail(ChannelError.outputClosed)
            return
        }
        let payload = Self.unwrapOutboundIn(data)
        // A text frame must hold UTF-8 (RFC 6455 §8.1: clients fail the connection otherwise), and a
        // STOMP MESSAGE may carry any body: such output goes in a binary frame instead.
        var opcode = self.outboundOpcode
        if opcode == .text && !Self.isValidUTF8(payload) {
            opcode = .binary
        }
        let frame = WebSocketFrame(fin: true, opcode: opcode, data: payload)
        context.write(Self.wrapOutboundOut(frame), promise: promise)
    }

    /// The protocol closes the connection: say so with a Close frame (1000) first.
    public func close(context: ChannelHandlerContext, mode: CloseMode, promise: EventLoopPromise<Void>?) {
        guard mode == .all, case .open = self.state else {
            context.close(mode: mode, promise: promise)
            return
        }
        self.state = .closeSent
        var payload = context.channel.allocator.buffer(capacity: 2)
        payload.write(webSocketErrorCode: .normalClosure)
        let frame = WebSocketFrame(fin: true, opcode: .connectionClose, data: payload)
        context.writeAndFlush(Self.wrapOutboundOut(frame)).assumeIsolated().whenComplete { _ in
            context.close(mode: mode, promise: promise)
        }
    }

    static func isValidUTF8(_ buffer: ByteBuffer) -> Bool {
        buffer.withUnsafeReadableBytes { String(validating: $0, as: UTF8.self) != nil }
    }

    private func fail(context: ChannelHandlerContext, code: WebSocketErrorCode) {
        guard case .open = self.state else { return }
        self.state = .closed
        var payload = context.channel.allocator.buffer(capacity: 2)
        payload.write(webSocketErrorCode: code)
        let frame = WebSocketFrame(fin: true, opcode: .connectionClose, data: payload)
        context.writeAndFlush(Self.wrapOutboundOut(frame)).assumeIsolated().whenComplete { _ in
            context.close(promise: nil)
        }
    }
}

@available(*, unavailable)
extension WebSocketFrameHandler: Sendable {}
