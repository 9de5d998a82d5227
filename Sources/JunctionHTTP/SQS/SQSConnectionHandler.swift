import JunctionCore
import Logging
import NIOCore
import NIOHTTP1

/// One SQS connection on the engine loop: collects a bounded request, checks its SigV4 signature,
/// runs the action and answers in the caller's protocol. A send that stored a persistent message is
/// answered once the group commit covers it (like an AMQP confirm); a receive with nothing to give
/// holds the request as a long poll until a message arrives or the wait ends.
final class SQSConnectionHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    private enum State {
        case idle
        case receiving(HTTPRequestHead, ByteBuffer)
        case discarding(HTTPRequestHead)
        case polling(HTTPRequestHead, SQSRequest.WireProtocol, HTTPPollConsumer)
        case awaitingDurability(HTTPRequestHead, HTTPResponse, ticket: UInt64)
    }

    private var state = State.idle
    private let requestGuard: HTTPRequestGuard
    private let broker: Broker
    private let configuration: SQSListenerConfiguration
    private let shared: SQSListenerState
    private let credentials: any SQSCredentialStore
    private let connectionID: ConnectionID
    private let isLoopback: Bool
    private let logger: Logger
    private var context: ChannelHandlerContext?

    init(
        requestGuard: HTTPRequestGuard, broker: Broker, configuration: SQSListenerConfiguration,
        shared: SQSListenerState,
        credentials: any SQSCredentialStore, connectionID: ConnectionID, isLoopback: Bool, logger: Logger
    ) {
        self.requestGuard = requestGuard
        self.broker = broker
        self.configuration = configuration
        self.shared = shared
        self.credentials = credentials
        self.connectionID = connectionID
        self.isLoopback = isLoopback
        self.logger = logger
    }

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
        let summary = ConnectionSummary(
            id: self.connectionID, protocolName: "SQS",
            peer: context.channel.remoteAddress?.peerDescription ?? "unknown",
            connectedAtMilliseconds: self.broker.now)
        self.broker.connectionOpened(HTTPClientConnection(summary: summary, channel: context.channel))
    }

    func channelInactive(context: ChannelHandlerContext) {
        switch self.state {
        case .polling(_, _, let consumer): consumer.abandon()
        case .awaitingDurability: self.broker.durability.stopWaiting(self)
        case .idle, .receiving, .discarding: break
        }
        self.state = .idle
        self.broker.connectionClosed(self.connectionID)
        context.fireChannelInactive()
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if event is BrokerShutdownEvent {
            context.close(promise: nil)
            return
        }
        context.fireUserInboundEventTriggered(event)
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        self.logger.debug("SQS connection error", metadata: ["error": "\(error)"])
        context.close(promise: nil)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch (Self.unwrapInboundIn(data), self.state) {
        case (.head(let head), .idle):
            self.requestGuard.headReceived()
            if let length = head.headers.first(name: "Content-Length").flatMap(Int.init),
                length > self.configuration.maxBodyBytes
            {
                self.state = .discarding(head)
            } else {
                self.state = .receiving(head, context.channel.allocator.buffer(capacity: 0))
            }
        case (.body(var part), .receiving(let head, var body)):
            if body.readableBytes + part.readableBytes > self.configuration.maxBodyBytes {
                self.state = .discarding(head)
            } else {
                self.state = .idle
                body.writeBuffer(&part)
                self.state = .receiving(head, body)
            }
        case (.body, .discarding):
            break
        case (.end, .receiving(let head, let body)):
            self.state = .idle
            self.process(head: head, body: body, context: context)
        case (.end, .discarding(let head)):
            self.state = .idle
            let error = SQSError(
                "RequestEntityTooLarge",
                "The request is over \(self.configuration.maxBodyBytes) bytes (sqs.max_body_bytes).",
                status: .payloadTooLarge)
            self.respond(
                SQSResponse.failure(error, protocol: Self.wire(head), requestID: Self.requestID()), to: head,
                context: context, forceClose: true)
        case (.head, _), (.body, _), (.end, _):
            // The pipelining handler holds the next request until this one is answered: a broken peer.
            context.close(promise: nil)
        }
    }

    private static func wire(_ head: HTTPRequestHead) -> SQSRequest.WireProtocol {
        head.headers.contains(name: "X-Amz-Target") ? .json : .query
    }

    private static func requestID() -> String { SQSService.uuid() }

    private func process(head: HTTPRequestHead, body: ByteBuffer, context: ChannelHandlerContext) {
        let requestID = Self.requestID()
        var wire = Self.wire(head)
        do throws(SQSError) {
            var request = try SQSRequest.decode(
                method: head.method, target: head.uri, headers: head.headers, body: body)
            wire = request.wireProtocol
            let (user, region) = try self.authenticate(head: head, body: body)
            let access: AccessContext
            do {
                access = try self.broker.accessContext(user: user, virtualHost: self.configuration.virtualHost)
            } catch {
                throw SQSError.accessDenied
            }
            guard let host = self.broker.virtualHost(self.configuration.virtualHost) else {
                throw SQSError.accessDenied
            }
            // The legacy form names the queue by the request path (`POST /<account>/<queue>`).
            let path = head.uri.split(separator: "?").first.map(String.init) ?? "/"
            if request.parameters["QueueUrl"] == nil, path.split(separator: "/").count == 2,
                case .object(var members) = request.parameters
            {
                members.append(("QueueUrl", .string(path)))
                request.parameters = .object(members)
            }
            let service = SQSService(
                broker: self.broker, host: host, access: access, registry: self.shared.registry,
                inFlight: self.shared.inFlight, moveTasks: self.shared.moveTasks, connectionID: self.connectionID,
                eventLoop: context.eventLoop,
                baseURL: "http://\(head.headers.first(name: "Host") ?? "localhost")",
                accountID: self.configuration.accountID, region: region)
            let durability = self.broker.durability
            let ticketBefore = durability.currentTicket
            let failuresBefore = durability.failedAppendCount
            let outcome = try service.handle(request)
            durability.readBurstEnded()
            switch outcome {
            case .result(let result):
                if durability.failedAppendCount != failuresBefore {
                    throw SQSError(
                        "InternalError", "the message store could not make the message durable",
                        status: .internalServerError)
                }
                let response = SQSResponse.success(request.action, result, protocol: wire, requestID: requestID)
                let ticket = durability.currentTicket
                if ticket != ticketBefore && !durability.isDurable(ticket) {
                    self.state = .awaitingDurability(head, response, ticket: ticket)
                    durability.wait(self)
                    return
                }
                self.respond(response, to: head, context: context)
            case .wait(let receive):
                self.startPoll(
                    receive, service: service, action: request.action, wire: wire, head: head,
                    requestID: requestID, context: context)
            }
        } catch {
            if error.code == "SignatureDoesNotMatch" || error.code == "InvalidClientTokenId" {
                self.logger.notice(
                    "SQS request refused",
                    metadata: [
                        "reason": "\(error.code)", "peer": "\(context.channel.remoteAddress?.description ?? "?")",
                    ])
            }
            self.respond(SQSResponse.failure(error, protocol: wire, requestID: requestID), to: head, context: context)
        }
    }

    /// The user a valid signature proves, and the region it was signed for.
    private func authenticate(head: HTTPRequestHead, body: ByteBuffer) throws(SQSError) -> (String, String) {
        let credential: SQSSignatureV4.Credential
        do {
            credential = try SQSSignatureV4.credential(from: head.headers)
        } catch .missing {
            throw SQSError(
                "MissingAuthenticationToken", "Request is missing Authentication Token", status: .forbidden)
        } catch {
            throw SQSError("IncompleteSignature", "\(error)")
        }
        guard
            let (user, secret) = self.credentials.credentials(
                accessKeyID: credential.accessKeyID, isLoopback: self.isLoopback)
        else {
            throw SQSError(
                "InvalidClientTokenId", "The security token included in the request is invalid.", status: .forbidden)
        }
        do {
            try SQSSignatureV4.verify(
                method: head.method.rawValue, target: head.uri, headers: head.headers, body: body.readableBytesView,
                credential: credential, secret: secret, nowSeconds: Int64(self.broker.now / 1000))
        } catch .expired {
            throw SQSError("RequestExpired", "Request has expired.")
        } catch .mismatch {
            throw SQSError(
                "SignatureDoesNotMatch",
                "The request signature we calculated does not match the signature you provided.", status: .forbidden)
        } catch {
            throw SQSError("IncompleteSignature", "\(error)")
        }
        return (user, credential.region)
    }

    // MARK: Long poll

    private func startPoll(
        _ receive: SQSReceive, service: SQSService, action: String, wire: SQSRequest.WireProtocol,
        head: HTTPRequestHead, requestID: String, context: ChannelHandlerContext
    ) {
        let consumer = HTTPPollConsumer(max: receive.maximum, eventLoop: context.eventLoop) { [weak self] consumer in
            guard let self, let context = self.context, case .polling = self.state else { return }
            self.state = .idle
            guard context.channel.isActive else {
                receive.queue.reject(consumer.deliveries.map(\.id), requeue: true)
                return
            }
            let result = service.received(consumer.deliveries, for: receive)
            self.respond(
                SQSResponse.success(action, result, protocol: wire, requestID: requestID), to: head,
                context: context)
        }
        self.state = .polling(head, wire, consumer)
        do {
            try consumer.start(
                on: service.host, queue: receive.queue.name, owner: self.connectionID, access: service.access,
                waitMilliseconds: receive.waitMilliseconds)
        } catch {
            self.state = .idle
            self.respond(
                SQSResponse.failure(SQSError(error, queue: receive.queue.name), protocol: wire, requestID: requestID),
                to: head, context: context)
        }
    }

    // MARK: Output

    private func respond(
        _ response: HTTPResponse, to request: HTTPRequestHead, context: ChannelHandlerContext, forceClose: Bool = false
    ) {
        HTTPResponseWriter.write(
            response, to: request, context: context, requestGuard: self.requestGuard, forceClose: forceClose)
    }
}

extension SQSConnectionHandler: DurabilityWaiter {
    func durabilityAdvanced(to ticket: UInt64) {
        guard case .awaitingDurability(let head, let response, let awaited) = self.state, let context else { return }
        guard awaited <= ticket else {
            self.broker.durability.wait(self)
            return
        }
        self.state = .idle
        self.respond(response, to: head, context: context)
    }

    /// The store could not sync: the send is not confirmed.
    func durabilityFailed() {
        guard case .awaitingDurability(let head, _, _) = self.state, let context else { return }
        self.state = .idle
        let error = SQSError(
            "InternalError", "the message store could not make the message durable",
            status: .internalServerError)
        self.respond(
            SQSResponse.failure(error, protocol: Self.wire(head), requestID: Self.requestID()), to: head,
            context: context)
    }
}
