import JunctionCore
import Logging
import NIOCore
import NIOHTTP1

/// One SQS request as the connection's loop prepared it: decoded, with the request's half of its SigV4
/// check done (`SQSSignatureV4.prepare`). It crosses to the engine loop in one hop.
struct SQSCall: Sendable {
    var head: HTTPRequestHead
    var request: SQSRequest
    var credential: SQSSignatureV4.Credential
    var signature: SQSSignatureV4.Prepared
}

/// What the engine answers to one call; the connection's loop encodes it (JSON or XML) and writes it.
struct SQSAnswer: Sendable {
    enum Outcome: Sendable {
        case success(action: String, result: JSONValue)
        /// ReceiveMessage's messages: the connection's loop makes the answer from their bytes.
        case received(SQSReceivedMessages)
        /// SendMessageBatch's entries: the connection's loop adds the bodies' digests and makes the answer.
        case sentBatch(SQSSentBatch)
        /// DeleteMessageBatch's or ChangeMessageVisibilityBatch's entries: the connection's loop writes them.
        case batch(SQSBatchResult)
        case failure(SQSError)
    }

    var outcome: Outcome
    var wire: SQSRequest.WireProtocol
    var requestID: String
}

/// The engine's side of one SQS connection, on the engine loop: checks the signature against the key's
/// secret, runs the action and answers once per call through `answer`. A send that stored a persistent
/// message is answered once the group commit covers it (like an AMQP confirm); a receive with nothing to
/// give holds the call as a long poll until a message arrives or the wait ends.
final class SQSSession {
    private enum State {
        case idle
        case polling(HTTPPollConsumer)
        /// A send's answer, held until the group commit has its message on disk.
        case awaitingDurability(HTTPDurableAnswer)
    }

    private var state = State.idle
    private var isClosed = false
    /// The access context of the user the last request was signed for. Kept across requests, its decision
    /// cache spares a permission pattern match per request (a regex, ~6% of the engine loop's SQS work); it
    /// refreshes itself when permissions change, and a request signed for another user replaces it.
    private var access: AccessContext?
    private let broker: Broker
    private let configuration: SQSListenerConfiguration
    private let shared: SQSListenerState
    private let credentials: any SQSCredentialStore
    private let connectionID: ConnectionID
    private let isLoopback: Bool
    private let peer: String
    private let eventLoop: any EventLoop
    private let logger: Logger
    private let answer: (SQSAnswer) -> Void

    /// - Parameter answer: called on the engine loop, once per call, while the session is open.
    init(
        broker: Broker, configuration: SQSListenerConfiguration, shared: SQSListenerState,
        credentials: any SQSCredentialStore, connectionID: ConnectionID, isLoopback: Bool, peer: String,
        eventLoop: any EventLoop, logger: Logger, answer: @escaping (SQSAnswer) -> Void
    ) {
        self.broker = broker
        self.configuration = configuration
        self.shared = shared
        self.credentials = credentials
        self.connectionID = connectionID
        self.isLoopback = isLoopback
        self.peer = peer
        self.eventLoop = eventLoop
        self.logger = logger
        self.answer = answer
    }

    /// The connection closed: a long poll's messages go back to the queue, a held answer is dropped.
    func close() {
        self.isClosed = true
        switch self.state {
        case .polling(let consumer): consumer.abandon()
        case .awaitingDurability(let answer): answer.cancel()
        case .idle: break
        }
        self.state = .idle
        self.broker.connectionClosed(self.connectionID)
    }

    private func reply(_ outcome: SQSAnswer.Outcome, wire: SQSRequest.WireProtocol, requestID: String) {
        guard !self.isClosed else { return }
        self.answer(SQSAnswer(outcome: outcome, wire: wire, requestID: requestID))
    }

    /// Registers the connection with the broker (its management listing and operator close).
    func open(channel: any Channel) {
        let summary = ConnectionSummary(
            id: self.connectionID, protocolName: "SQS", peer: self.peer, connectedAtMilliseconds: self.broker.now)
        self.broker.connectionOpened(HTTPClientConnection(summary: summary, channel: channel))
    }

    func handle(_ call: SQSCall) {
        guard !self.isClosed else { return }
        let requestID = self.shared.identifiers.uuid()
        let wire = call.request.wireProtocol
        do throws(SQSError) {
            let (user, region) = try self.authenticate(call)
            let access = try self.accessContext(user: user)
            guard let host = self.broker.virtualHost(self.configuration.virtualHost) else {
                throw SQSError.accessDenied
            }
            let service = SQSService(
                broker: self.broker, host: host, access: access, registry: self.shared.registry,
                inFlight: self.shared.inFlight, moveTasks: self.shared.moveTasks,
                sequenceNumbers: self.shared.sequenceNumbers, identifiers: self.shared.identifiers,
                attempts: self.shared.attempts, connectionID: self.connectionID, eventLoop: self.eventLoop,
                requestHeaders: call.head.headers,
                accountID: self.configuration.accountID, region: region)
            let durability = self.broker.durability
            let mark = durability.mark()
            let outcome = try service.handle(call.request)
            self.burstEnded(durability)
            let success: SQSAnswer.Outcome
            switch outcome {
            case .result(let result): success = .success(action: call.request.action, result: result)
            case .received(let messages): success = .received(messages)
            case .sentBatch(let batch): success = .sentBatch(batch)
            case .batch(let result): success = .batch(result)
            case .wait(let receive):
                self.startPoll(receive, service: service, wire: wire, requestID: requestID)
                return
            }
            switch durability.need(since: mark) {
            case .nothing:
                self.reply(success, wire: wire, requestID: requestID)
            case .notStored:
                throw Self.notStored
            case .sync(let ticket):
                self.state = .awaitingDurability(
                    HTTPDurableAnswer(ticket: ticket, durability: durability) { [weak self] stored in
                        guard let self, case .awaitingDurability = self.state else { return }
                        self.state = .idle
                        let outcome = stored ? success : .failure(Self.notStored)
                        self.reply(outcome, wire: wire, requestID: requestID)
                    })
            }
        } catch {
            if error.code == "SignatureDoesNotMatch" || error.code == "InvalidClientTokenId" {
                self.logger.notice(
                    "SQS request refused", metadata: ["reason": "\(error.code)", "peer": "\(self.peer)"])
            }
            self.reply(.failure(error), wire: wire, requestID: requestID)
        }
    }

    /// What the calls handed over in this turn of the engine loop stored is written once, after all of
    /// them (the other protocols call `readBurstEnded` once per read burst; per SQS request it was a write
    /// system call per request). Whether a send waits for the group commit is decided by its ticket, which
    /// this does not change: the group commit writes what is still buffered before it syncs.
    private func burstEnded(_ durability: DurabilityMonitor) {
        guard !self.shared.burstEndScheduled else { return }
        self.shared.burstEndScheduled = true
        let shared = self.shared
        self.eventLoop.assumeIsolated().execute {
            shared.burstEndScheduled = false
            durability.readBurstEnded()
        }
    }

    static let notStored = SQSError(
        "InternalError", "the message store could not make the message durable", status: .internalServerError)

    /// `user`'s access to the SQS virtual host: the context of the previous request when it was for the same
    /// user and the user still has access there, else a new one (`AccessDenied` without access).
    private func accessContext(user: String) throws(SQSError) -> AccessContext {
        if let access = self.access, access.user == user, access.hasVirtualHostAccess { return access }
        self.access = nil
        do {
            let access = try self.broker.accessContext(user: user, virtualHost: self.configuration.virtualHost)
            self.access = access
            return access
        } catch {
            throw SQSError.accessDenied
        }
    }

    /// The user a valid signature proves, and the region it was signed for.
    private func authenticate(_ call: SQSCall) throws(SQSError) -> (String, String) {
        guard
            let (user, secret) = self.credentials.credentials(
                accessKeyID: call.credential.accessKeyID, isLoopback: self.isLoopback)
        else {
            throw SQSError(
                "InvalidClientTokenId", "The security token included in the request is invalid.", status: .forbidden)
        }
        do {
            try SQSSignatureV4.check(
                call.signature, credential: call.credential, secret: secret,
                nowSeconds: Int64(self.broker.now / 1000), signingKeys: self.shared.signingKeys)
        } catch .expired {
            throw SQSError("RequestExpired", "Request has expired.")
        } catch .mismatch {
            throw SQSError(
                "SignatureDoesNotMatch",
                "The request signature we calculated does not match the signature you provided.", status: .forbidden)
        } catch {
            throw SQSError("IncompleteSignature", "\(error)")
        }
        return (user, call.credential.region)
    }

    // MARK: Long poll

    private func startPoll(
        _ receive: SQSReceive, service: SQSService, wire: SQSRequest.WireProtocol, requestID: String
    ) {
        let consumer = HTTPPollConsumer(max: receive.maximum, eventLoop: self.eventLoop) { [weak self] consumer in
            guard let self, case .polling = self.state else { return }
            self.state = .idle
            guard !self.isClosed else {
                receive.queue.reject(consumer.deliveries.map(\.id), requeue: true)
                return
            }
            self.reply(.received(service.received(consumer.deliveries, for: receive)), wire: wire, requestID: requestID)
        }
        self.state = .polling(consumer)
        do {
            try consumer.start(
                on: service.host, queue: receive.queue.name, owner: self.connectionID, access: service.access,
                waitMilliseconds: receive.waitMilliseconds, takesGroupRuns: true)
        } catch {
            self.state = .idle
            self.reply(.failure(SQSError(error, queue: receive.queue.name)), wire: wire, requestID: requestID)
        }
    }
}

@available(*, unavailable)
extension SQSSession: Sendable {}
