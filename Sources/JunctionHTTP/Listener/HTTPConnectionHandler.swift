import JunctionCore
import JunctionTransport
import Logging
import NIOCore
import NIOHTTP1
import NIOWebSocket

/// One HTTP connection on the engine loop: collects a bounded request, authenticates it, hands it
/// to `HTTPAPI` and writes the answer. Requests arrive one at a time (the pipelining handler
/// holds the next until this one is answered), so a waiting long-poll simply holds the state.
final class HTTPConnectionHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    private enum State {
        /// Reading the next request (`collector`: a body over the limit is read to its end, then 413).
        case collecting
        /// Already answered and closing (a head over the limit): the rest of the request is ignored.
        case refused
        case polling(HTTPRequestHead, HTTPPollConsumer)
        /// A Server-Sent Events response: open until the client goes; later requests are not read.
        case streamingEvents(HTTPEventSource)
        /// The answer to a publish that stored a persistent message: held until the group commit
        /// has it on disk, like an AMQP confirm.
        case awaitingDurability(HTTPDurableAnswer)
    }

    private var state = State.collecting
    private var collector: HTTPRequestCollector
    private let requestGuard: HTTPRequestGuard
    private let broker: Broker
    private let configuration: HTTPListenerConfiguration
    private let shared: HTTPListenerState
    private let authenticator: any Authenticator
    private let webSocketRoutes: [String: WebSocketRoute]
    private let connectionID: ConnectionID
    private let isLoopback: Bool
    private let logger: Logger
    private var context: ChannelHandlerContext?
    private var registration: HTTPClientConnection?

    init(
        requestGuard: HTTPRequestGuard,
        broker: Broker,
        configuration: HTTPListenerConfiguration,
        shared: HTTPListenerState,
        authenticator: any Authenticator,
        webSocketRoutes: [String: WebSocketRoute],
        connectionID: ConnectionID,
        isLoopback: Bool,
        logger: Logger
    ) {
        self.requestGuard = requestGuard
        self.broker = broker
        self.configuration = configuration
        self.shared = shared
        self.authenticator = authenticator
        self.webSocketRoutes = webSocketRoutes
        self.connectionID = connectionID
        self.isLoopback = isLoopback
        self.logger = logger
        self.collector = HTTPRequestCollector(maxBodyBytes: configuration.maxBodyBytes)
    }

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
        let summary = ConnectionSummary(
            id: self.connectionID,
            protocolName: "HTTP/1.1",
            peer: context.channel.remoteAddress?.peerDescription ?? "unknown",
            connectedAtMilliseconds: self.broker.now
        )
        let registration = HTTPClientConnection(summary: summary, channel: context.channel)
        self.registration = registration
        self.broker.connectionOpened(registration)
    }

    func channelInactive(context: ChannelHandlerContext) {
        switch self.state {
        case .polling(_, let consumer): consumer.abandon()
        case .streamingEvents(let source): source.stop()
        case .awaitingDurability(let answer): answer.cancel()
        case .collecting, .refused: break
        }
        self.state = .collecting
        self.broker.connectionClosed(self.connectionID)
        context.fireChannelInactive()
    }

    func channelWritabilityChanged(context: ChannelHandlerContext) {
        if case .streamingEvents(let source) = self.state, context.channel.isWritable { source.resume() }
        context.fireChannelWritabilityChanged()
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if event is BrokerShutdownEvent {
            context.close(promise: nil)
            return
        }
        context.fireUserInboundEventTriggered(event)
    }

    /// A refused WebSocket upgrade is reported here before the request itself arrives (and is
    /// answered 400); anything else is a broken connection.
    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        if error is NIOWebSocketUpgradeError { return }
        self.logger.debug("HTTP connection error", metadata: ["error": "\(error)"])
        context.close(promise: nil)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let part = Self.unwrapInboundIn(data)
        switch self.state {
        case .collecting:
            break
        case .refused, .streamingEvents:
            // Answered and closing, or an event stream (open until the client goes): nothing more is read.
            return
        case .polling, .awaitingDurability:
            // The pipelining handler holds the next request until this answer is written: a broken peer.
            context.close(promise: nil)
            return
        }
        if case .head(let head) = part, self.collector.isIdle {
            self.requestGuard.headReceived()
            // A head that arrived whole in one read was not counted by the guard: measure it here.
            if HTTPRequestGuard.size(of: head) > self.configuration.maxHeaderBytes {
                let error = HTTPAPIError(
                    status: .requestHeaderFieldsTooLarge, error: "header_too_large",
                    reason:
                        "the request head is over \(self.configuration.maxHeaderBytes) bytes (http.max_header_bytes)")
                self.state = .refused
                return self.respond(.error(error), to: head, context: context, forceClose: true)
            }
        }
        switch self.collector.read(part, allocator: context.channel.allocator) {
        case .collecting:
            break
        case .complete(let head, let body):
            self.process(head: head, body: body, context: context)
        case .tooLarge(let head):
            self.respond(
                .error(.payloadTooLarge(limit: self.configuration.maxBodyBytes)), to: head, context: context,
                forceClose: true)
        case .outOfOrder:
            context.close(promise: nil)
        }
    }

    private func process(head: HTTPRequestHead, body: ByteBuffer, context: ChannelHandlerContext) {
        guard let path = HTTPPath(target: head.uri) else {
            return self.respond(.error(.badRequest("malformed request target")), to: head, context: context)
        }
        guard self.configuration.originPolicy.allowsHost(head.headers.first(name: "Host")) else {
            let error = HTTPAPIError(
                status: .forbidden, error: "host_not_allowed",
                reason: "the Host header names a host this broker does not serve (http.allowed_hosts)")
            return self.respond(.error(error), to: head, context: context, forceClose: true)
        }
        guard let route = HTTPRoute(path: path.segments) else {
            if self.webSocketRoutes[WebSocketUpgradePolicy.path(of: head.uri)] != nil {
                // The upgrader refused this request; say why. The upgrade handler is gone after a
                // refusal, so this connection could not upgrade later.
                var status = HTTPResponseStatus.badRequest
                var reason = "this path only accepts a WebSocket upgrade with an allowed origin and subprotocol"
                let decision = WebSocketUpgradePolicy.decide(
                    head, routes: self.webSocketRoutes, policy: self.configuration.originPolicy)
                if case .refuse(let refusedStatus, let refusedReason) = decision {
                    status = refusedStatus
                    reason = refusedReason
                }
                let error = HTTPAPIError(
                    status: status, error: status == .forbidden ? "forbidden" : "websocket_required", reason: reason)
                return self.respond(.error(error), to: head, context: context, forceClose: true)
            }
            return self.respond(.error(.notFound("Object Not Found")), to: head, context: context)
        }
        let method = head.method == .HEAD ? HTTPMethod.GET : head.method
        guard route.allowedMethods.contains(method) else {
            var response = HTTPResponse.error(.methodNotAllowed(route.allowedMethods))
            response.headers.add(name: "Allow", value: route.allowedMethods.map(\.rawValue).joined(separator: ", "))
            return self.respond(response, to: head, context: context)
        }
        switch route {
        case .dashboard: return self.respond(HTTPAssets.page(HTTPAssets.dashboard), to: head, context: context)
        case .demo: return self.respond(HTTPAssets.page(HTTPAssets.demo), to: head, context: context)
        case .healthLive, .healthReady:
            // Probes carry no credentials and reveal only whether the broker serves.
            let api = HTTPAPI(
                broker: self.broker, configuration: self.configuration, state: self.shared,
                connectionID: self.connectionID, eventLoop: context.eventLoop)
            return self.respond(route == .healthLive ? HTTPAPI.liveness() : api.readiness(), to: head, context: context)
        case .metrics where self.configuration.metricsPublic:
            let api = HTTPAPI(
                broker: self.broker, configuration: self.configuration, state: self.shared,
                connectionID: self.connectionID, eventLoop: context.eventLoop)
            return self.respond(api.metrics(), to: head, context: context)
        default: break
        }
        guard
            let credentials = head.headers.first(name: "Authorization").flatMap(BasicAuthorization.init(headerValue:))
        else {
            return self.respond(Self.unauthorized(head), to: head, context: context)
        }
        guard
            let user = self.authenticator.authenticate(
                username: credentials.username, password: credentials.password, isLoopback: self.isLoopback)
        else {
            // Wrong credentials (not missing ones) are answered after the address's failed-login delay.
            return self.broker.refuseLogin(on: context.channel) { [self] in
                self.respond(Self.unauthorized(head), to: head, context: context)
            }
        }
        self.broker.acceptLogin(on: context.channel)
        self.registration?.summary.user = user.name
        let api = HTTPAPI(
            broker: self.broker, configuration: self.configuration, state: self.shared, connectionID: self.connectionID,
            eventLoop: context.eventLoop)
        let request = HTTPRequest(method: method, path: path, headers: head.headers, body: body)
        let durability = self.broker.durability
        let mark = durability.mark()
        do {
            let outcome = try api.handle(request, route: route, user: user)
            // A request is a read burst: what it stored is written (under `fsync: always`, synced) before the reply.
            durability.readBurstEnded()
            switch outcome {
            case .response(let response):
                // A persistent message in a durable queue or stream: answer once it is on disk.
                switch durability.need(since: mark) {
                case .nothing:
                    self.respond(response, to: head, context: context)
                case .notStored:
                    self.respond(.error(Self.notStored), to: head, context: context)
                case .sync(let ticket):
                    self.state = .awaitingDurability(
                        HTTPDurableAnswer(ticket: ticket, durability: durability) { [weak self] stored in
                            self?.durableAnswerReady(response, stored: stored, to: head)
                        })
                }
            case .poll(let poll): self.startPoll(poll, head: head, context: context)
            case .events(let events): self.startEvents(events, head: head, context: context)
            }
        } catch {
            self.respond(.error(error), to: head, context: context)
        }
    }

    static let notStored = HTTPAPIError(
        status: .internalServerError, error: "internal_error",
        reason: "the message store could not make the message durable")

    // MARK: Long poll

    private func startPoll(_ poll: HTTPPollRequest, head: HTTPRequestHead, context: ChannelHandlerContext) {
        var taken: [Delivery] = []
        while taken.count < poll.max, let (delivery, _) = poll.queue.isDeleted ? nil : self.take(from: poll) {
            taken.append(delivery)
        }
        guard taken.isEmpty, poll.waitMilliseconds > 0, let host = self.broker.virtualHost(poll.vhost) else {
            return self.finishPoll(poll, deliveries: taken, head: head, context: context)
        }
        let consumer = HTTPPollConsumer(max: poll.max, eventLoop: context.eventLoop) { [weak self] consumer in
            guard let self, let context = self.context, case .polling = self.state else { return }
            self.state = .collecting
            self.finishPoll(poll, deliveries: consumer.deliveries, head: head, context: context)
        }
        self.state = .polling(head, consumer)
        do {
            try consumer.start(
                on: host, queue: poll.queue.name, owner: self.connectionID, access: poll.access,
                waitMilliseconds: poll.waitMilliseconds)
        } catch {
            self.state = .collecting
            self.respond(.error(HTTPAPIError(error)), to: head, context: context)
        }
    }

    private func take(from poll: HTTPPollRequest) -> (Delivery, Int)? {
        guard let host = self.broker.virtualHost(poll.vhost) else { return nil }
        return (try? host.get(queue: poll.queue.name, noAck: false, owner: self.connectionID, access: poll.access))
            .flatMap { $0 }
    }

    private func finishPoll(
        _ poll: HTTPPollRequest, deliveries: [Delivery], head: HTTPRequestHead, context: ChannelHandlerContext
    ) {
        guard context.channel.isActive else {
            poll.queue.reject(deliveries.map(\.id), requeue: true)
            return
        }
        let receipts = self.shared.leases.lease(
            deliveries.map(\.id),
            of: poll.queue,
            by: poll.user,
            for: .milliseconds(poll.leaseMilliseconds),
            on: context.eventLoop
        )
        let messages: [JSONValue] = zip(deliveries, receipts).map { delivery, receipt in
            var fields: [(String, JSONValue)] = [
                ("receipt", .string(receipt)),
                ("delivery_count", .int(delivery.deliveryCount)),
            ]
            fields.append(contentsOf: HTTPAPI.messageFields(delivery, base64: false, truncate: nil))
            return .object(fields)
        }
        self.respond(
            .json(.object([("lease_expires_in_ms", .int(poll.leaseMilliseconds)), ("messages", .array(messages))])),
            to: head,
            context: context
        )
    }

    // MARK: Server-Sent Events

    private func startEvents(_ request: HTTPEventsRequest, head: HTTPRequestHead, context: ChannelHandlerContext) {
        var headers: HTTPHeaders = [
            "Content-Type": "text/event-stream; charset=utf-8",
            "Cache-Control": "no-cache",
            // Tells buffering reverse proxies (nginx) to pass events through at once.
            "X-Accel-Buffering": "no",
            "Server": "Junction",
        ]
        if head.method == .HEAD {
            return self.respond(HTTPResponse(status: .ok, headers: headers), to: head, context: context)
        }
        let channel = context.channel
        let source = HTTPEventSource(
            request: request,
            owner: self.connectionID,
            eventLoop: context.eventLoop,
            send: { bytes in context.writeAndFlush(Self.wrapOutboundOut(.body(.byteBuffer(bytes)))) },
            isWritable: { channel.isWritable },
            onServerEnd: { [weak self] in
                guard let self, let context = self.context else { return }
                self.state = .collecting
                context.writeAndFlush(Self.wrapOutboundOut(.end(nil))).assumeIsolated().whenComplete { _ in
                    context.close(promise: nil)
                }
            }
        )
        do {
            try source.subscribe()
        } catch {
            return self.respond(.error(error), to: head, context: context)
        }
        self.state = .streamingEvents(source)
        // The pipelining handler stops reading while a response is unfinished, so a client that
        // disconnects would only be noticed at a failing write. This response never finishes and
        // is the connection's last, so the handler goes: reads continue and EOF arrives at once.
        if let pipelining = try? context.pipeline.syncOperations.handler(type: HTTPServerPipelineHandler.self) {
            context.pipeline.syncOperations.removeHandler(pipelining, promise: nil)
        }
        // No Content-Length: the encoder frames the body chunked (HTTP/1.1) or until close (1.0).
        // The response ends only when the connection does, so it is the connection's last one.
        headers.add(name: "Connection", value: "close")
        context.writeAndFlush(
            Self.wrapOutboundOut(.head(HTTPResponseHead(version: head.version, status: .ok, headers: headers))),
            promise: nil)
        source.begin()
    }

    // MARK: Output

    private func respond(
        _ response: HTTPResponse, to request: HTTPRequestHead, context: ChannelHandlerContext, forceClose: Bool = false
    ) {
        HTTPResponseWriter.write(
            response, to: request, context: context, requestGuard: self.requestGuard, forceClose: forceClose)
    }
}

extension HTTPConnectionHandler {
    /// The group commit covered a publish (or failed: the publish is not confirmed, 500 like a nack).
    private func durableAnswerReady(_ response: HTTPResponse, stored: Bool, to head: HTTPRequestHead) {
        guard case .awaitingDurability = self.state, let context else { return }
        self.state = .collecting
        self.respond(stored ? response : .error(Self.notStored), to: head, context: context)
    }
}

extension HTTPConnectionHandler {
    /// 401, without the Basic challenge for a page's own script requests (`X-Requested-With:
    /// XMLHttpRequest`, as the dashboard sends): the browser then lets the page say what went wrong
    /// instead of opening its password dialog (which leaves the request pending).
    static func unauthorized(_ head: HTTPRequestHead) -> HTTPResponse {
        var response = HTTPResponse.error(.unauthorized)
        if head.headers.first(name: "X-Requested-With") == "XMLHttpRequest" {
            response.headers.remove(name: "WWW-Authenticate")
        }
        return response
    }
}

@available(*, unavailable)
extension HTTPConnectionHandler: Sendable {}
