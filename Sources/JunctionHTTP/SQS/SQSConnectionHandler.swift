import JunctionCore
import JunctionTransport
import Logging
import NIOCore
import NIOHTTP1

/// One SQS connection on its own loop (`sqs.event_loops`; the engine loop when that is 0): collects a
/// bounded request, decodes it and does the request's half of its SigV4 check, then hands it to the
/// connection's `SQSSession` on the engine loop in one hop, and writes the answer that comes back in one
/// hop. Everything that does not touch engine state stays off the engine loop.
///
/// It sits right behind NIO's request decoder and writes each answer as bytes (`HTTPResponseHeadBytes` and
/// the body), so it also does what NIO's pipelining and protocol-error handlers would: a request that
/// arrives while one is being answered is held, with further reads, until the answer is written; a request
/// the decoder cannot parse is answered 400 and the connection closed.
final class SQSConnectionHandler: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    private enum State {
        /// Reading the next request (`collector`).
        case collecting
        /// A request is with the engine (running, long-polling or waiting for the group commit).
        case engaged(HTTPRequestHead, SQSRequest)
        /// The last answer closes the connection: nothing more is read.
        case closing
    }

    private var state = State.collecting
    private var collector: HTTPRequestCollector
    private let requestGuard: HTTPRequestGuard
    private let broker: NIOLoopBound<Broker>
    private let configuration: SQSListenerConfiguration
    private let shared: NIOLoopBoundBox<SQSListenerState>
    private let credentials: any SQSCredentialStore
    private let connectionID: ConnectionID
    private let isLoopback: Bool
    private let logger: Logger
    private var context: ChannelHandlerContext?
    /// The engine side, created on the engine loop once the connection is added.
    private let session: NIOLoopBoundBox<SQSSession?>
    /// The `Authorization` header's fields, kept from the last request (`SQSCredentialReader`).
    private var credentialReader = SQSCredentialReader()
    /// Request ids of answers given without the engine (malformed requests); made on first use.
    private var localIdentifiers: SQSIdentifiers?
    /// Parts of pipelined requests that came while one was being answered, in order. Bounded: reads are
    /// held while any are here, so it holds at most what the reads of one loop turn brought.
    private var held = CircularBuffer<HTTPServerRequestPart>()
    /// A read was asked for while requests were held: it is made once they are all answered.
    private var readHeld = false

    /// - Parameters:
    ///   - broker: the broker, on the engine loop (which may or may not be this connection's loop).
    ///   - shared: the listener's state, on the engine loop.
    init(
        requestGuard: HTTPRequestGuard, broker: NIOLoopBound<Broker>, configuration: SQSListenerConfiguration,
        shared: NIOLoopBoundBox<SQSListenerState>, credentials: any SQSCredentialStore, connectionID: ConnectionID,
        isLoopback: Bool, logger: Logger
    ) {
        self.requestGuard = requestGuard
        self.broker = broker
        self.configuration = configuration
        self.shared = shared
        self.credentials = credentials
        self.connectionID = connectionID
        self.isLoopback = isLoopback
        self.logger = logger
        self.collector = HTTPRequestCollector(maxBodyBytes: configuration.maxBodyBytes)
        self.session = .makeEmptyBox(valueType: SQSSession.self, eventLoop: broker.eventLoop)
    }

    /// Runs `work` on the engine loop: at once when this connection lives there, else in one hop.
    private func onEngine(_ work: @escaping @Sendable () -> Void) {
        let engine = self.broker.eventLoop
        if engine.inEventLoop { work() } else { engine.execute(work) }
    }

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
        let channel = context.channel
        let loop = context.eventLoop
        let handler = NIOLoopBound(self, eventLoop: loop)
        let (broker, shared, session) = (self.broker, self.shared, self.session)
        let (configuration, credentials, logger) = (self.configuration, self.credentials, self.logger)
        let (connectionID, isLoopback) = (self.connectionID, self.isLoopback)
        let peer = channel.remoteAddress?.peerDescription ?? "unknown"
        self.onEngine {
            let created = SQSSession(
                broker: broker.value, configuration: configuration, shared: shared.value, credentials: credentials,
                connectionID: connectionID, isLoopback: isLoopback, peer: peer, eventLoop: broker.eventLoop,
                logger: logger
            ) { answer in
                if loop.inEventLoop {
                    handler.value.answered(answer)
                } else {
                    loop.execute { handler.value.answered(answer) }
                }
            }
            session.value = created
            created.open(channel: channel)
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        // Closed: nothing more is read or answered (the decoder may still report what it had buffered).
        self.state = .closing
        self.held.removeAll()
        let session = self.session
        self.onEngine {
            session.value?.close()
            session.value = nil
        }
        context.fireChannelInactive()
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if event is BrokerShutdownEvent {
            context.close(promise: nil)
            return
        }
        context.fireUserInboundEventTriggered(event)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let part = Self.unwrapInboundIn(data)
        switch self.state {
        case .collecting where self.held.isEmpty: self.take(part, context: context)
        case .collecting, .engaged: self.held.append(part)
        case .closing: break
        }
    }

    /// Holds reads while a request is answered (as NIO's pipelining handler does): a client that pipelines
    /// gets its requests answered in order, and cannot make the broker buffer more than one turn's reads.
    func read(context: ChannelHandlerContext) {
        if case .collecting = self.state, self.held.isEmpty {
            context.read()
        } else {
            self.readHeld = true
        }
    }

    /// The decoder's errors: a request it cannot parse gets 400 when no answer is owed, then the connection
    /// closes (what NIO's protocol-error handler did).
    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        self.logger.debug("SQS connection error", metadata: ["error": "\(error)"])
        guard error is HTTPParserError, case .collecting = self.state else {
            context.close(promise: nil)
            return
        }
        self.state = .closing
        self.requestGuard.stop()
        context.writeAndFlush(Self.wrapOutboundOut(HTTPResponseHeadBytes.refusal(.badRequest))).assumeIsolated()
            .whenComplete { _ in
                context.close(promise: nil)
            }
    }

    /// One part of the request being read.
    private func take(_ part: HTTPServerRequestPart, context: ChannelHandlerContext) {
        if case .head = part { self.requestGuard.headReceived() }
        switch self.collector.read(part, allocator: context.channel.allocator) {
        case .collecting:
            break
        case .complete(let head, let body):
            self.process(head: head, body: body, context: context)
        case .tooLarge(let head):
            let error = SQSError(
                "RequestEntityTooLarge",
                "The request is over \(self.configuration.maxBodyBytes) bytes (sqs.max_body_bytes).",
                status: .payloadTooLarge)
            self.respond(
                SQSResponse.failure(error, protocol: Self.wire(head), requestID: self.localRequestID()), to: head,
                context: context, forceClose: true)
        case .outOfOrder:
            self.state = .closing
            context.close(promise: nil)
        }
    }

    /// After an answer: the held requests, in order, until one goes to the engine; then the held read.
    private func takeHeld(context: ChannelHandlerContext) {
        while case .collecting = self.state, let part = self.held.popFirst() {
            self.take(part, context: context)
        }
        if case .collecting = self.state, self.held.isEmpty, self.readHeld {
            self.readHeld = false
            context.read()
        }
    }

    private static func wire(_ head: HTTPRequestHead) -> SQSRequest.WireProtocol {
        head.headers.contains(name: "X-Amz-Target") ? .json : .query
    }

    private func localRequestID() -> String {
        if let identifiers = self.localIdentifiers { return identifiers.uuid() }
        let identifiers = SQSIdentifiers()
        self.localIdentifiers = identifiers
        return identifiers.uuid()
    }

    /// Decodes the request and checks what it can without the engine; the rest happens in one engine hop.
    private func process(head: HTTPRequestHead, body: ByteBuffer, context: ChannelHandlerContext) {
        var wire = Self.wire(head)
        let call: SQSCall
        do throws(SQSError) {
            var request = try SQSRequest.decode(
                method: head.method, target: head.uri, headers: head.headers, body: body)
            wire = request.wireProtocol
            let credential: SQSSignatureV4.Credential
            do {
                credential = try self.credentialReader.credential(from: head.headers)
            } catch .missing {
                throw SQSError(
                    "MissingAuthenticationToken", "Request is missing Authentication Token", status: .forbidden)
            } catch {
                throw SQSError("IncompleteSignature", "\(error)")
            }
            let signature = SQSSignatureV4.prepare(
                method: head.method.rawValue, target: head.uri, headers: head.headers, body: body.readableBytesView,
                credential: credential)
            // The legacy form names the queue by the request path (`POST /<account>/<queue>`).
            let path = head.uri.split(separator: "?").first.map(String.init) ?? "/"
            if request.parameters["QueueUrl"] == nil, path.split(separator: "/").count == 2,
                case .object(var members) = request.parameters
            {
                members.append(("QueueUrl", .string(path)))
                request.parameters = .object(members)
            }
            call = SQSCall(head: head, request: request, credential: credential, signature: signature)
        } catch {
            self.respond(
                SQSResponse.failure(error, protocol: wire, requestID: self.localRequestID()), to: head, context: context
            )
            return
        }
        self.state = .engaged(head, call.request)
        let session = self.session
        self.onEngine { session.value?.handle(call) }
    }

    /// The engine's answer to the request in hand: encoded here, off the engine loop.
    private func answered(_ answer: SQSAnswer) {
        guard case .engaged(let head, let request) = self.state, let context = self.context else { return }
        self.state = .collecting
        let response: HTTPResponse
        switch answer.outcome {
        case .success(let action, let result):
            let complete = SQSBodyDigests.complete(result, action: action, request: request)
            response = SQSResponse.success(action, complete, protocol: answer.wire, requestID: answer.requestID)
        case .received(let messages):
            response = messages.response(protocol: answer.wire, requestID: answer.requestID)
        case .sentBatch(let batch):
            response = batch.response(to: request, protocol: answer.wire, requestID: answer.requestID)
        case .batch(let result):
            response = result.response(protocol: answer.wire, requestID: answer.requestID)
        case .failure(let error):
            response = SQSResponse.failure(error, protocol: answer.wire, requestID: answer.requestID)
        }
        self.respond(response, to: head, context: context)
        self.takeHeld(context: context)
    }

    /// Writes `response` as bytes: the head, with the body in the same buffer when it is small, else as a
    /// second buffer of the same flush. A response that ends the connection closes it once written.
    private func respond(
        _ response: HTTPResponse, to request: HTTPRequestHead, context: ChannelHandlerContext, forceClose: Bool = false
    ) {
        let keepAlive = request.isKeepAlive && !forceClose
        if keepAlive {
            self.requestGuard.responseFinished()
        } else {
            self.state = .closing
            self.requestGuard.stop()
        }
        var body = response.body
        let bodyBytes = request.method == .HEAD ? 0 : body.readableBytes
        let inline = bodyBytes <= Self.inlineBodyBytes
        var head = context.channel.allocator.buffer(capacity: 256 + (inline ? bodyBytes : 0))
        HTTPResponseHeadBytes.write(
            response, version: request.version, keepAlive: keepAlive, contentLength: response.body.readableBytes,
            into: &head)
        let written: EventLoopFuture<Void>?
        if inline {
            if bodyBytes > 0 { head.writeBuffer(&body) }
            written = keepAlive ? nil : context.writeAndFlush(Self.wrapOutboundOut(head))
            if keepAlive { context.writeAndFlush(Self.wrapOutboundOut(head), promise: nil) }
        } else {
            context.write(Self.wrapOutboundOut(head), promise: nil)
            written = keepAlive ? nil : context.writeAndFlush(Self.wrapOutboundOut(body))
            if keepAlive { context.writeAndFlush(Self.wrapOutboundOut(body), promise: nil) }
        }
        written?.assumeIsolated().whenComplete { _ in context.close(promise: nil) }
    }

    /// Bodies up to this size are copied behind the head (one buffer to write); larger ones, such as a
    /// ReceiveMessage of ten messages, are written as they are, in the same `writev`.
    static let inlineBodyBytes = 2048
}
