import JunctionCore
import JunctionTransport
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
        /// Reading the next request (`collector`).
        case collecting
        case polling(HTTPRequestHead, SQSRequest.WireProtocol, HTTPPollConsumer)
        /// A send's answer, held until the group commit has its message on disk.
        case awaitingDurability(HTTPDurableAnswer)
    }

    private var state = State.collecting
    private var collector: HTTPRequestCollector
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
        self.collector = HTTPRequestCollector(maxBodyBytes: configuration.maxBodyBytes)
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
        case .awaitingDurability(let answer): answer.cancel()
        case .collecting: break
        }
        self.state = .collecting
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
        // The pipelining handler holds the next request until this one is answered: anything read while
        // one is being answered is a broken peer.
        guard case .collecting = self.state else {
            context.close(promise: nil)
            return
        }
        let part = Self.unwrapInboundIn(data)
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
                SQSResponse.failure(error, protocol: Self.wire(head), requestID: self.requestID()), to: head,
                context: context, forceClose: true)
        case .outOfOrder:
            context.close(promise: nil)
        }
    }

    private static func wire(_ head: HTTPRequestHead) -> SQSRequest.WireProtocol {
        head.headers.contains(name: "X-Amz-Target") ? .json : .query
    }

    private func requestID() -> String { self.shared.identifiers.uuid() }

    private func process(head: HTTPRequestHead, body: ByteBuffer, context: ChannelHandlerContext) {
        let requestID = self.requestID()
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
                inFlight: self.shared.inFlight, moveTasks: self.shared.moveTasks,
                sequenceNumbers: self.shared.sequenceNumbers, identifiers: self.shared.identifiers,
                attempts: self.shared.attempts, connectionID: self.connectionID,
                eventLoop: context.eventLoop,
                baseURL: "http://\(head.headers.first(name: "Host") ?? "localhost")",
                accountID: self.configuration.accountID, region: region)
            let durability = self.broker.durability
            let mark = durability.mark()
            let outcome = try service.handle(request)
            durability.readBurstEnded()
            switch outcome {
            case .result(let result):
                let response = SQSResponse.success(request.action, result, protocol: wire, requestID: requestID)
                switch durability.need(since: mark) {
                case .nothing:
                    self.respond(response, to: head, context: context)
                case .notStored:
                    throw Self.notStored
                case .sync(let ticket):
                    self.state = .awaitingDurability(
                        HTTPDurableAnswer(ticket: ticket, durability: durability) { [weak self] stored in
                            self?.durableAnswerReady(response, stored: stored, to: head, wire: wire)
                        })
                }
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
                credential: credential, secret: secret, nowSeconds: Int64(self.broker.now / 1000),
                signingKeys: self.shared.signingKeys)
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
            self.state = .collecting
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
                waitMilliseconds: receive.waitMilliseconds, takesGroupRuns: true)
        } catch {
            self.state = .collecting
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

extension SQSConnectionHandler {
    static let notStored = SQSError(
        "InternalError", "the message store could not make the message durable", status: .internalServerError)

    /// The group commit covered a send (or failed: the send is not confirmed).
    private func durableAnswerReady(
        _ response: HTTPResponse, stored: Bool, to head: HTTPRequestHead, wire: SQSRequest.WireProtocol
    ) {
        guard case .awaitingDurability = self.state, let context else { return }
        self.state = .collecting
        let answer =
            stored ? response : SQSResponse.failure(Self.notStored, protocol: wire, requestID: self.requestID())
        self.respond(answer, to: head, context: context)
    }
}
