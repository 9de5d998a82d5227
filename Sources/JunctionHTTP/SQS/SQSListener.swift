public import JunctionCore
public import JunctionTransport
public import Logging
public import NIOCore
import NIOHTTP1

/// Where SQS access keys come from: the server answers with the user and the secret of a key
/// (`guest`/`guest` on loopback, and the keys created for users through the management API).
public protocol SQSCredentialStore: Sendable {
    /// The user and secret of `accessKeyID`, or nil when the key is unknown or refused from this peer.
    func credentials(accessKeyID: String, isLoopback: Bool) -> (user: String, secret: String)?
}

public struct SQSListenerConfiguration: Sendable {
    /// The virtual host whose queues SQS names (`sqs.vhost`).
    public var virtualHost: String
    /// The account id in queue URLs and ARNs (`sqs.account_id`).
    public var accountID: String
    /// Largest request body (`sqs.max_body_bytes`): a batch of ten 256 KiB messages, form-encoded, fits.
    public var maxBodyBytes: Int
    public var maxHeaderBytes: Int
    public var headerTimeout: TimeAmount
    public var idleTimeout: TimeAmount
    /// The file that keeps SQS's queue attributes (nil: in memory only, for tests).
    public var attributesFile: String?

    public init(
        virtualHost: String = "/", accountID: String = "000000000000", maxBodyBytes: Int = 4 * 1024 * 1024,
        maxHeaderBytes: Int = 16 * 1024, headerTimeout: TimeAmount = .seconds(30),
        idleTimeout: TimeAmount = .seconds(120),
        attributesFile: String? = nil
    ) {
        self.virtualHost = virtualHost
        self.accountID = accountID
        self.maxBodyBytes = maxBodyBytes
        self.maxHeaderBytes = maxHeaderBytes
        self.headerTimeout = headerTimeout
        self.idleTimeout = idleTimeout
        self.attributesFile = attributesFile
    }
}

/// The SQS-compatible listener (ElasticMQ's port 9324 by default): AWS JSON 1.0 and query protocol
/// requests, signed with SigV4, onto the engine's queues of one virtual host. Its connections run on
/// `connectionLoops` (`sqs.event_loops`) when given: HTTP parsing, SigV4 hashing and JSON/XML decoding and
/// encoding happen there, and each request reaches the engine loop in one hop (`SQSSession`).
public struct SQSListener: OwnLoopsProtocolListener {
    public var protocolName: String { "SQS" }
    public let configuration: SQSListenerConfiguration
    public let connectionLoops: (any EventLoopGroup)?
    private let credentials: any SQSCredentialStore
    private let logger: Logger
    private let shared: NIOLoopBoundBox<SQSListenerState>

    /// - Parameters:
    ///   - eventLoop: the engine loop, where the listener's shared state lives.
    ///   - connectionLoops: where its connections run (nil: on the engine loop).
    public init(
        configuration: SQSListenerConfiguration, credentials: any SQSCredentialStore, eventLoop: any EventLoop,
        connectionLoops: (any EventLoopGroup)? = nil, logger: Logger
    ) {
        self.configuration = configuration
        self.credentials = credentials
        self.connectionLoops = connectionLoops
        self.logger = logger
        self.shared = .makeBoxSendingValue(
            SQSListenerState(attributesFile: configuration.attributesFile), eventLoop: eventLoop)
    }

    /// Sets again the retention and redrive that SetQueueAttributes changed (the engine keeps queue
    /// arguments, not SQS's later changes), before the first client connects.
    public func restore(broker: Broker, eventLoop: any EventLoop) {
        guard let host = broker.virtualHost(self.configuration.virtualHost) else { return }
        SQSQueueSettings.restore(self.shared.value.registry, host: host, logger: self.logger)
    }

    public func initializeConnection(
        _ channel: any Channel, broker: Broker, connectionID: ConnectionID, isLoopback: Bool
    ) throws {
        try self.initializeConnection(
            channel, broker: NIOLoopBound(broker, eventLoop: channel.eventLoop), connectionID: connectionID,
            isLoopback: isLoopback)
    }

    public func initializeConnection(
        _ channel: any Channel, broker: NIOLoopBound<Broker>, connectionID: ConnectionID, isLoopback: Bool
    ) throws {
        let requestGuard = HTTPRequestGuard(
            maxHeaderBytes: self.configuration.maxHeaderBytes,
            headerTimeout: self.configuration.headerTimeout,
            idleTimeout: self.configuration.idleTimeout
        )
        let handler = SQSConnectionHandler(
            requestGuard: requestGuard, broker: broker, configuration: self.configuration, shared: self.shared,
            credentials: self.credentials, connectionID: connectionID, isLoopback: isLoopback, logger: self.logger)
        // NIO's request decoder and nothing else of its HTTP server pipeline: the handler writes its answers
        // as bytes and does the pipelining and protocol-error handling itself. Every response header it
        // writes is the broker's own (content type, request id, error code, length), never a client's text.
        try channel.pipeline.syncOperations.addHandlers([
            requestGuard, ByteToMessageHandler(HTTPRequestDecoder(leftOverBytesStrategy: .dropBytes)), handler,
        ])
    }
}

/// Shared by the listener's connections (their `SQSSession`s): a receipt handle may be deleted on another
/// connection than the one that received it. Confined to the engine loop like the engine itself: the `Sendable` listener
/// holds it in a `NIOLoopBoundBox` bound to that loop.
final class SQSListenerState {
    let inFlight = SQSInFlight()
    let moveTasks = SQSMoveTasks()
    let sequenceNumbers = SQSSequenceNumbers()
    let signingKeys = SQSSigningKeyCache()
    let identifiers = SQSIdentifiers()
    let attempts = SQSReceiveAttempts()
    let registry: SQSQueueRegistry
    /// A write of what this turn's requests stored is scheduled (`SQSSession.burstEnded`).
    var burstEndScheduled = false

    init(attributesFile: String?) {
        self.registry = SQSQueueRegistry(path: attributesFile)
    }
}

@available(*, unavailable)
extension SQSListenerState: Sendable {}
