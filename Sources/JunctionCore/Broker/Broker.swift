public import JunctionStorage
public import Logging

/// The engine: virtual hosts and everything in them. Not `Sendable`: it lives on one event loop
/// (the engine loop) and every call comes from there.
public final class Broker {
    public let configuration: BrokerConfiguration
    let clock: any BrokerClock
    let store: any QueueStore
    /// Memory budgets of queued bodies and the spill logs' directory (`MessageQueue+Paging`).
    let paging: QueuePaging
    /// Where paged messages are read ahead of need (the server's read-ahead thread); nil: on the loop.
    public var readAheadExecutor: (any ReadAheadExecutor)? {
        get { self.paging.readAheadExecutor }
        set { self.paging.readAheadExecutor = newValue }
    }
    let logger: Logger
    /// Group commit of the queue store and the confirms that wait for it.
    /// Refusals by reason since start (see `countRefusal`), read by /metrics.
    public internal(set) var refusals: [RefusalReason: Int] = [:]
    public let durability: DurabilityMonitor
    /// Where durable definitions live; nil keeps them in memory only.
    let metadata: MetadataStore?
    /// Stream logs and consumer-group offsets.
    let streams: StreamStorage
    /// The delay logs of the virtual hosts' timer indexes (`Delay/`).
    let delays: DelayStorage
    /// The one timer that fires delayed messages; the server sets `delayTimer`.
    let delayTimerSlot = DelayTimerSlot()
    /// Users, permissions and topic permissions (written through to `metadata`).
    public let accessControl: AccessControl
    private var hosts: [String: VirtualHost] = [:]
    private var clientConnections: [ConnectionID: any ClientConnection] = [:]
    /// Failed logins per peer address, to slow the next answer (`limits.failed_login_delay_ms`).
    let failedLogins: FailedLoginDelay
    /// Rate samples of the message counters (`sampleMessageRates()`), for the management API.
    public let messageRates: MessageRateMonitor

    /// - Parameters:
    ///   - queueStore: where durable queues keep persistent messages.
    ///   - metadata: where durable vhosts, exchanges, queues and bindings are written; call
    ///     `restoreDefinitions()` to bring back what it holds.
    ///   - streamRoot: the directory of stream logs (`<data_dir>/streams`); nil keeps streams in memory.
    ///   - delayRoot: the directory of delay logs (`<data_dir>/delayed`); nil keeps delayed messages in memory.
    ///   - spillRoot: the directory of the queues' spill logs (`<data_dir>/spill`, emptied here); nil
    ///     keeps transient messages in memory whatever the budgets (persistent ones of durable queues
    ///     are still paged to the queue store).
    public init(
        configuration: BrokerConfiguration = .init(),
        clock: any BrokerClock = SystemBrokerClock(),
        logger: Logger,
        queueStore: any QueueStore = InMemoryQueueStore(),
        metadata: MetadataStore? = nil,
        streamRoot: String? = nil,
        delayRoot: String? = nil,
        spillRoot: String? = nil
    ) {
        self.metadata = metadata
        self.configuration = configuration
        self.failedLogins = FailedLoginDelay(
            baseMilliseconds: configuration.failedLoginDelayMilliseconds,
            maxMilliseconds: configuration.failedLoginMaxDelayMilliseconds)
        self.clock = clock
        self.logger = logger
        self.paging = QueuePaging(
            queueBudget: configuration.queueMemoryBudgetBytes, globalBudget: configuration.globalQueueMemoryBudgetBytes,
            spillRoot: spillRoot, spillSegmentBytes: configuration.delayLogSegmentBytes, logger: logger)
        self.messageRates = MessageRateMonitor(historyLength: configuration.rateHistorySamples)
        let streams = StreamStorage(root: streamRoot, metadata: metadata, clock: clock, logger: logger)
        self.streams = streams
        self.accessControl = AccessControl(metadata: metadata, logger: logger)
        // Queue and stream appends share one durability ticket and one group commit.
        self.delays = DelayStorage(root: delayRoot, maxSegmentBytes: configuration.delayLogSegmentBytes, logger: logger)
        let store = GroupCommitStore(queues: queueStore, streams: streams, delays: self.delays)
        self.store = store
        self.durability = DurabilityMonitor(policy: configuration.durability, store: store) { error in
            if let error {
                logger.critical(
                    "message store sync failed: confirms are refused until it recovers", metadata: ["error": "\(error)"]
                )
            } else {
                logger.notice("message store sync recovered: confirms resume")
            }
        }
        self.addVirtualHost(configuration.defaultVirtualHost)
    }

    /// Rebuilds the durable definitions the metadata store holds (start-up); durable queues recover
    /// their messages from the queue store as they are declared.
    public func restoreDefinitions() throws {
        guard let metadata = self.metadata else { return }
        let snapshot = try metadata.loadAll()
        for record in snapshot.virtualHosts {
            self.addVirtualHost(record.name)
        }
        for host in self.hosts.values {
            host.restore(from: snapshot)
        }
        self.accessControl.restore(from: snapshot)
    }

    public func virtualHost(_ name: String) -> VirtualHost? { self.hosts[name] }

    /// Creates the virtual host with the `amq.*` exchanges, or returns the existing one.
    @discardableResult
    public func addVirtualHost(_ name: String) -> VirtualHost {
        if let existing = self.hosts[name] { return existing }
        let host = VirtualHost(
            name: name,
            configuration: self.configuration,
            clock: self.clock,
            store: self.store,
            paging: self.paging,
            durability: self.durability,
            metadata: self.metadata,
            streams: self.streams,
            logger: self.logger
        )
        self.attachDelayedMessages(host)
        if let metadata = self.metadata {
            do {
                try metadata.write { try $0.addVirtualHost(VirtualHostRecord(name: name)) }
            } catch {
                self.logger.error("cannot store virtual host", metadata: ["vhost": "\(name)", "error": "\(error)"])
            }
        }
        self.hosts[name] = host
        return host
    }

    public var virtualHosts: [VirtualHost] { self.hosts.values.sorted { $0.name < $1.name } }

    func forgetVirtualHost(_ name: String) {
        self.hosts[name] = nil
    }

    /// TTL expiry and dead-lettering for all queues, and deletion of queues unused past `x-expires`.
    /// The server calls it on a timer (about every 250 ms).
    public func expireMessages() {
        let now = self.clock.nowMilliseconds()
        for host in self.hosts.values {
            host.expire(now: now)
        }
    }

    /// Shutdown, after a last `durability.syncNow()`: stream logs are closed.
    public func closeStreams() {
        self.streams.close()
    }

    /// Deletes that connection's exclusive queues in all virtual hosts and forgets the connection.
    public func connectionClosed(_ id: ConnectionID) {
        self.clientConnections[id] = nil
        for host in self.hosts.values {
            host.connectionClosed(id)
        }
    }

    /// A protocol handler announces an open connection (for the management API and metrics).
    public func connectionOpened(_ connection: any ClientConnection) {
        self.clientConnections[connection.connectionID] = connection
    }

    /// Every open connection, in no order (`connections` sorts them for the management API).
    var openConnections: Dictionary<ConnectionID, any ClientConnection>.Values { self.clientConnections.values }

    /// Open connections per `protocolLabel`, for the rate sampler (no summaries built, no sorting).
    var connectionsByProtocol: [String: Int] {
        var counts: [String: Int] = [:]
        for connection in self.clientConnections.values { counts[connection.protocolLabel, default: 0] += 1 }
        return counts
    }

    public var connections: [any ClientConnection] {
        self.clientConnections.values.sorted { $0.summary.id.rawValue < $1.summary.id.rawValue }
    }

    public func connection(_ id: ConnectionID) -> (any ClientConnection)? { self.clientConnections[id] }

    public var now: UInt64 { self.clock.nowMilliseconds() }

    /// Resource alarms in force (`memory`, `disk`), set by the server when it raises or clears one;
    /// read by the HTTP API (503 on publish, health checks) and metrics.
    public var resourceAlarms: Set<String> = []

    /// Start-up milestones for the readiness probe, set by the server.
    public var readiness = BrokerReadiness()
}

@available(*, unavailable)
extension Broker: Sendable {}
