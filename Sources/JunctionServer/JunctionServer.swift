import Dispatch
import Foundation
import JunctionAMQP
import JunctionCore
import JunctionHTTP
import JunctionMQTT
import JunctionSTOMP
import JunctionStorage
import JunctionTransport
public import Logging
import NIOCore
import NIOPosix
import ServiceLifecycle
import UnixSignals

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// The broker process: one engine event loop that owns all broker state, the protocol listeners
/// bound to it, an orderly shutdown on SIGINT/SIGTERM and a reload on SIGHUP.
public final class JunctionServer: Sendable {
    let configuration: JunctionConfiguration
    let logger: Logger
    /// Reads the configuration again for a reload (SIGHUP); nil reloads only the TLS certificates.
    let reloadConfiguration: (@Sendable () async throws -> JunctionConfiguration)?

    /// The broker's version (`junction --version`), from `JunctionVersion`.
    public static var version: String { JunctionVersion.string }

    public init(
        configuration: JunctionConfiguration,
        logger: Logger,
        reloadConfiguration: (@Sendable () async throws -> JunctionConfiguration)? = nil
    ) {
        self.configuration = configuration
        self.logger = logger
        self.reloadConfiguration = reloadConfiguration
    }

    /// Starts every enabled listener and serves until SIGTERM or SIGINT, then stops within
    /// `shutdown_timeout_seconds`; SIGHUP reloads (`BrokerService`). swift-service-lifecycle runs it.
    public func run() async throws {
        let group = ServiceGroup(
            configuration: ServiceGroupConfiguration(
                services: [BrokerService(server: self, logger: self.logger)],
                gracefulShutdownSignals: [.sigterm, .sigint],
                logger: self.logger
            ))
        try await group.run()
    }

    /// Starts the engine and the listeners; used by `run()` and by tests that need a handle.
    public func start() async throws -> RunningServer {
        // v1 ownership model: one event loop owns the engine and every connection, so the hot path has
        // no locks and no cross-thread hops. Sharding queues over loops is the next step (Core README).
        let configuration = self.configuration
        self.logger.info("Junction starting", metadata: ["version": "\(Self.version)"])
        // Unreadable certificate files stop the start-up before anything is opened.
        let tlsContexts = configuration.tls.isEnabled ? try TLSContextStore(settings: configuration.tls) : nil
        try FileManager.default.createDirectory(atPath: configuration.dataDirectory, withIntermediateDirectories: true)
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let loop = group.next()
        let logger = self.logger
        let state: NIOLoopBound<EngineState>
        do {
            state = try await loop.submit {
                NIOLoopBound(try EngineState(configuration: configuration, logger: logger), eventLoop: loop)
            }.get()
        } catch {
            try? await group.shutdownGracefully()
            throw error
        }
        // fsyncs of group commits run here, never on the engine loop.
        let ioThread = NIOThreadPool(numberOfThreads: 1)
        ioThread.start()
        // Windows of paged messages are read here, ahead of need (`queues.read_ahead_thread`).
        let readAheadThread = configuration.queues.readAheadThread ? NIOThreadPool(numberOfThreads: 1) : nil
        readAheadThread?.start()
        let threadPools = [ioThread] + (readAheadThread.map { [$0] } ?? [])
        try await loop.submit {
            let io = IOThread(pool: ioThread, loop: loop)
            state.value.ioThread = io
            state.value.broker.durability.executor = io
            state.value.broker.readAheadExecutor = readAheadThread.map { ReadAheadThread(pool: $0, loop: loop) }
            // Delayed messages (recovered ones included) fire on their own timer on this loop.
            state.value.installDelayTimer(
                EngineDelayTimer(loop: loop) {
                    state.value.broker.fireDueDelayedMessages()
                })
        }.get()
        let commitInterval = TimeAmount.milliseconds(Int64(configuration.storage.fsyncIntervalMilliseconds))
        let groupCommit = loop.scheduleRepeatedTask(initialDelay: commitInterval, delay: commitInterval) { _ in
            state.value.broker.durability.groupCommitTimerFired()
        }

        let expiry = loop.scheduleRepeatedTask(initialDelay: .milliseconds(250), delay: .milliseconds(250)) { _ in
            state.value.broker.expireMessages()
        }
        let memory = MemoryMonitor(watermark: configuration.resources.memoryHighWatermark)
        let disk = DiskMonitor(
            path: configuration.dataDirectory,
            freeLimitBytes: UInt64(clamping: configuration.resources.diskFreeLimit)
        )
        let alarms = loop.scheduleRepeatedTask(initialDelay: .seconds(1), delay: .seconds(1)) { _ in
            state.value.checkResources(memory: memory, disk: disk, logger: logger)
        }
        // Message rates: the counters are read on this timer, never per message.
        let rateInterval = TimeAmount.seconds(Int64(configuration.http.ratesSampleIntervalSeconds))
        let rates = loop.scheduleRepeatedTask(initialDelay: .zero, delay: rateInterval) { _ in
            state.value.broker.sampleMessageRates()
        }

        // SQS connections' own loops (`sqs.event_loops`; none: they run on the engine loop).
        let sqsLoops =
            configuration.listeners.sqsPort != 0 && configuration.sqs.eventLoops > 0
            ? MultiThreadedEventLoopGroup(numberOfThreads: configuration.sqs.eventLoops) : nil
        let protocolListeners = self.protocolListeners(state: state, loop: loop, sqsLoops: sqsLoops)
        // What a protocol keeps across restarts (MQTT sessions) comes back before the first client connects.
        try await loop.submit {
            for (listener, _, _, _) in protocolListeners {
                listener.restore(broker: state.value.broker, eventLoop: loop)
            }
        }.get()

        var listeners: [any Channel] = []
        var bindings:
            [(
                listener: any ProtocolListener, ownLoops: (any OwnLoopsProtocolListener)?, port: Int,
                tls: TLSContextStore?
            )] =
                []
        for (listener, ownLoops, port, tlsPort) in protocolListeners {
            if port != 0 { bindings.append((listener, ownLoops, port, nil)) }
            if let tlsContexts, tlsPort != 0 { bindings.append((listener, ownLoops, tlsPort, tlsContexts)) }
        }
        let tlsLogger = Logger(label: "junction.tls")
        do {
            for (listener, ownLoops, port, tls) in bindings {
                let channel = try await Self.bind(
                    host: configuration.listeners.bindHost,
                    port: port,
                    loop: loop,
                    childLoops: ownLoops?.connectionLoops,
                    backlog: configuration.listeners.backlog,
                    readsPerTurn: configuration.limits.readsPerTurn,
                    output: ChannelOptions.Types.WriteBufferWaterMark(
                        low: configuration.limits.outputLowWaterBytes, high: configuration.limits.outputHighWaterBytes)
                ) { channel in
                    // TLS lives here, below the protocol: its handlers decrypt, and the protocol reads
                    // only the verified peer name (`PeerIdentity`).
                    if let ownLoops {
                        return Self.initializeOnOwnLoop(
                            channel, listener: ownLoops, tls: tls, tlsLogger: tlsLogger, state: state)
                    }
                    return channel.eventLoop.makeCompletedFuture {
                        try tls?.addHandlers(to: channel, logger: tlsLogger)
                        try Self.initializeOnEngineLoop(channel, listener: listener, state: state)
                    }
                }
                listeners.append(channel)
                logger.info(
                    "\(listener.protocolName)\(tls == nil ? "" : " over TLS") listener ready",
                    metadata: ["address": "\(channel.localAddress.map { "\($0)" } ?? "?")"]
                )
            }
        } catch {
            expiry.cancel()
            alarms.cancel()
            rates.cancel()
            groupCommit.cancel()
            for listener in listeners { try? await listener.close() }
            try? await sqsLoops?.shutdownGracefully()
            try? await group.shutdownGracefully()
            for pool in threadPools { try? await pool.shutdownGracefully() }
            throw error
        }
        // Readiness (`/api/health/ready`) waits for the last listener.
        try await loop.submit { state.value.broker.readiness.listenersBound = true }.get()
        return RunningServer(
            group: group,
            threadPools: threadPools,
            connectionLoops: sqsLoops,
            listeners: listeners,
            state: state,
            timers: [expiry, alarms, groupCommit, rates],
            tlsContexts: tlsContexts,
            logger: logger
        )
    }

    /// Every protocol this server speaks, with the ports its plain and TLS listeners bind (0 = disabled), and
    /// for a listener whose connections run on loops of their own, the listener as such (nil: engine loop).
    /// - Parameter loop: the engine loop; listeners that share state among their connections bind it there.
    private func protocolListeners(
        state: NIOLoopBound<EngineState>, loop: any EventLoop, sqsLoops: MultiThreadedEventLoopGroup?
    ) -> [(any ProtocolListener, (any OwnLoopsProtocolListener)?, Int, Int)] {
        let authenticator = StoredUserAuthenticator(
            accessControl: { state.value.broker.accessControl },
            loopbackOnly: Set(self.configuration.users.filter(\.loopbackOnly).map(\.name))
        )
        let listeners = self.configuration.listeners
        var amqpConfiguration = self.configuration.amqp.adapterConfiguration
        amqpConfiguration.maxTransactionBytes = self.configuration.limits.maxTransactionBytes
        amqpConfiguration.outputLowWaterBytes = self.configuration.limits.outputLowWaterBytes
        amqpConfiguration.maxPreloginFrameBytes = self.configuration.limits.maxPreloginFrameBytes
        let amqp = AMQPListener(
            configuration: amqpConfiguration,
            authenticator: authenticator,
            logger: Logger(label: "junction.amqp")
        )
        let mqttSettings = self.configuration.mqtt
        let anonymous = self.configuration.user(named: mqttSettings.anonymousUser)
        let mqttLogger = Logger(label: "junction.mqtt")
        let mqtt = MQTTListener(
            configuration: MQTTAdapterConfiguration(
                exchange: mqttSettings.exchange,
                virtualHost: mqttSettings.virtualHost,
                anonymousUser: mqttSettings.allowAnonymous
                    ? anonymous.map { AuthenticatedUser(name: $0.name, tags: $0.tags) } : nil,
                // Anonymous logins are for clients on this machine only, whatever the account's own rule.
                anonymousLoopbackOnly: true,
                maximumPacketSize: mqttSettings.maxPacketSize,
                topicAliasMaximum: UInt16(clamping: mqttSettings.topicAliasMax),
                maximumSessionExpiry: mqttSettings.maxSessionExpirySeconds,
                connectTimeout: .seconds(mqttSettings.connectTimeoutSeconds),
                keepAliveMaximum: mqttSettings.maxKeepAliveSeconds == 0
                    ? nil : UInt16(clamping: mqttSettings.maxKeepAliveSeconds),
                receiveMaximum: UInt16(clamping: mqttSettings.receiveMaximum),
                useIdentityAsUsername: mqttSettings.useIdentityAsUsername,
                outputLowWaterBytes: self.configuration.limits.outputLowWaterBytes,
                maximumPreloginPacketSize: self.configuration.limits.maxPreloginFrameBytes,
                sessionLimits: mqttSettings.sessionLimits
            ),
            authenticator: authenticator,
            logger: mqttLogger,
            // Sessions and retained messages live in the metadata store, so they survive a restart.
            makeSessionStore: {
                MQTTMetadataSessionStore(
                    metadata: state.value.metadata,
                    ioThread: state.value.ioThread,
                    virtualHost: mqttSettings.virtualHost,
                    clock: SystemBrokerClock(),
                    logger: mqttLogger
                )
            },
            makeRetainedStore: {
                MQTTMetadataRetainedStore(
                    metadata: state.value.metadata,
                    virtualHost: mqttSettings.virtualHost,
                    clock: SystemBrokerClock(),
                    logger: mqttLogger
                )
            },
            eventLoop: loop
        )
        var stompConfiguration = self.configuration.stomp.adapterConfiguration(
            anonymous: self.configuration.user(named: self.configuration.stomp.anonymousUser))
        stompConfiguration.maxTransactionBytes = self.configuration.limits.maxTransactionBytes
        stompConfiguration.outputLowWaterBytes = self.configuration.limits.outputLowWaterBytes
        stompConfiguration.maxPreloginFrameBytes = self.configuration.limits.maxPreloginFrameBytes
        let stomp = STOMPListener(
            configuration: stompConfiguration,
            authenticator: authenticator,
            logger: Logger(label: "junction.stomp")
        )
        // SQS access keys: created through the management API, checked by the SQS listener.
        let accessKeys = NIOLoopBoundBox.makeBoxSendingValue(
            SQSAccessKeyStore(path: "\(self.configuration.dataDirectory)/sqs-access-keys.json"), eventLoop: loop)
        var httpConfiguration = HTTPListenerConfiguration(
            memoryWatermarkBytes: Int(
                clamping: MemoryMonitor(watermark: self.configuration.resources.memoryHighWatermark).watermarkBytes
            ),
            dataDirectory: self.configuration.dataDirectory,
            diskFreeLimitBytes: self.configuration.resources.diskFreeLimit,
            originPolicy: HTTPOriginPolicy(
                allowedHosts: self.configuration.http.allowedHosts,
                allowedOrigins: self.configuration.http.allowedOrigins,
                bindHost: self.configuration.listeners.bindHost
            ),
            metricsPublic: self.configuration.http.metricsPublic,
            maxGetCount: self.configuration.http.maxGetCount,
            maxLeaseSeconds: self.configuration.http.maxLeaseSeconds,
            maxLeasesPerUser: self.configuration.http.maxLeasesPerUser,
            maxHeaderBytes: self.configuration.http.maxHeaderBytes,
            headerTimeout: .seconds(Int64(self.configuration.http.headerTimeoutSeconds)),
            idleTimeout: .seconds(Int64(self.configuration.http.idleTimeoutSeconds))
        )
        httpConfiguration.accessKeys = accessKeys
        let http = HTTPListener(
            configuration: httpConfiguration,
            authenticator: authenticator,
            // One implementation per protocol, two transports: the same listeners run over WebSocket.
            webSocketRoutes: [
                "/ws": WebSocketRoute(
                    subprotocols: ["v12.stomp", "v11.stomp", "v10.stomp"], listener: stomp, sendsTextFrames: true),
                "/mqtt": WebSocketRoute(subprotocols: ["mqtt"], listener: mqtt, sendsTextFrames: false),
                "/amqp": WebSocketRoute(subprotocols: ["amqp"], listener: amqp, sendsTextFrames: false),
            ],
            eventLoop: loop,
            logger: Logger(label: "junction.http")
        )
        let sqsSettings = self.configuration.sqs
        let sqs = SQSListener(
            configuration: SQSListenerConfiguration(
                virtualHost: sqsSettings.virtualHost, accountID: sqsSettings.accountID,
                maxBodyBytes: sqsSettings.maxBodyBytes, maxHeaderBytes: self.configuration.http.maxHeaderBytes,
                headerTimeout: .seconds(Int64(self.configuration.http.headerTimeoutSeconds)),
                idleTimeout: .seconds(Int64(self.configuration.http.idleTimeoutSeconds)),
                attributesFile: "\(self.configuration.dataDirectory)/sqs-queue-attributes.json"),
            credentials: SQSAccessKeys(
                authenticator: authenticator, accessControl: { state.value.broker.accessControl }, store: accessKeys,
                loopbackOnly: Set(self.configuration.users.filter(\.loopbackOnly).map(\.name))),
            eventLoop: loop,
            connectionLoops: sqsLoops,
            logger: Logger(label: "junction.sqs")
        )
        return [
            (amqp, nil, listeners.amqpPort, listeners.amqpsPort),
            (mqtt, nil, listeners.mqttPort, listeners.mqttsPort),
            (stomp, nil, listeners.stompPort, listeners.stompsPort),
            (http, nil, listeners.httpPort, listeners.httpsPort),
            // Plain HTTP only: SDKs reach a local SQS endpoint over http:// (TLS termination is a proxy's job).
            (sqs, sqsLoops == nil ? nil : sqs, listeners.sqsPort, 0),
        ]
    }

    private static func bind(
        host: String,
        port: Int,
        loop: any EventLoop,
        childLoops: (any EventLoopGroup)?,
        backlog: Int,
        readsPerTurn: Int,
        output: ChannelOptions.Types.WriteBufferWaterMark,
        initialize: @escaping @Sendable (any Channel) -> EventLoopFuture<Void>
    ) async throws -> any Channel {
        try await ServerBootstrap(group: loop, childGroup: childLoops ?? loop)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .serverChannelOption(.backlog, value: Int32(backlog))
            .childChannelOption(.tcpOption(.tcp_nodelay), value: 1)
            .childChannelOption(.socketOption(.so_keepalive), value: 1)
            // Fairness between connections of the one engine loop (limits.reads_per_turn).
            .childChannelOption(.maxMessagesPerRead, value: UInt(readsPerTurn))
            // NIO keeps each channel's last receive buffer for reuse, sized by this allocator: with NIO's
            // default first size (2 KiB) every idle connection holds 2 KiB. Starting at 64 bytes it holds
            // 64 (an MQTT CONNECT usually fits; a longer one takes a second read); a busy connection's
            // buffer still grows to 64 KiB within a few reads.
            .childChannelOption(
                .recvAllocator, value: AdaptiveRecvByteBufferAllocator(minimum: 64, initial: 64, maximum: 65536)
            )
            // The low mark is also where ConnectionOutput stops taking deliveries (limits.output_*_water_bytes).
            .childChannelOption(.writeBufferWaterMark, value: output)
            .childChannelInitializer(initialize)
            .bind(host: host, port: port)
            .get()
    }
}

/// Broker state that lives on the engine loop.
final class EngineState {
    let broker: Broker
    let connections = ConnectionRegistry()
    /// Where fsyncs and MQTT session commits run (set once the server started; nil: inline).
    var ioThread: IOThread?
    /// The broker's delay timer, kept by its own type so that shutdown cancels it without a downcast.
    private var delayTimer: EngineDelayTimer?
    private(set) var memoryAlarm = false
    private(set) var diskAlarm = false

    private let queueStore: LogQueueStore
    /// Also read by the MQTT session and retained stores.
    let metadata: MetadataStore

    /// Opens the stores under the data directory and restores what they hold.
    init(configuration: JunctionConfiguration, logger: Logger) throws {
        let directory = configuration.dataDirectory
        self.queueStore = try LogQueueStore(
            root: directory + "/queues",
            maxSegmentBytes: configuration.storage.segmentMaxBytes,
            logger: Logger(label: "junction.storage")
        )
        self.metadata = try MetadataStore(path: directory + "/metadata.sqlite")
        var brokerConfiguration = BrokerConfiguration()
        brokerConfiguration.defaultVirtualHost = configuration.defaultVirtualHost
        brokerConfiguration.maxTopicWords = configuration.limits.maxTopicWords
        brokerConfiguration.maxDeduplicationCacheEntries = configuration.limits.maxDeduplicationCacheEntries
        brokerConfiguration.failedLoginDelayMilliseconds = configuration.limits.failedLoginDelayMilliseconds
        brokerConfiguration.failedLoginMaxDelayMilliseconds = configuration.limits.failedLoginMaxDelayMilliseconds
        brokerConfiguration.maxConsumersPerChannel = configuration.limits.maxConsumersPerChannel
        brokerConfiguration.rateHistorySamples = configuration.http.ratesHistorySamples
        brokerConfiguration.delayLogSegmentBytes = configuration.storage.segmentMaxBytes
        brokerConfiguration.queueMemoryBudgetBytes = configuration.queues.memoryBudgetBytes
        brokerConfiguration.globalQueueMemoryBudgetBytes = configuration.queues.globalMemoryBudgetBytes
        brokerConfiguration.connectionLimits = ConnectionLimits(
            maxConnections: configuration.limits.maxConnections,
            maxConnectionsPerUser: configuration.limits.maxConnectionsPerUser,
            maxConnectionsPerVirtualHost: configuration.limits.maxConnectionsPerVirtualHost
        )
        brokerConfiguration.durability =
            switch configuration.storage.fsync {
            case .always: .always
            case .interval: .groupCommit
            case .never: .never
            }
        self.broker = Broker(
            configuration: brokerConfiguration,
            logger: Logger(label: "junction.core"),
            queueStore: self.queueStore,
            metadata: self.metadata,
            streamRoot: directory + "/streams",
            delayRoot: directory + "/delayed",
            spillRoot: directory + "/spill"
        )
        // Before the queues open: durable MQTT shared-subscription queues under the legacy name.
        try MQTTSharedQueueMigration.run(
            metadata: self.metadata, queueStore: self.queueStore, exchange: configuration.mqtt.exchange,
            logger: logger)
        try self.broker.restoreDefinitions()
        for user in configuration.users {
            try self.broker.bootstrapUser(name: user.name, password: user.password, tags: user.tags.sorted())
        }
        self.broker.readiness.storageRecovered = true
        let restored = self.broker.virtualHosts.reduce(0) { $0 + $1.queues.count }
        logger.info("definitions restored", metadata: ["data_dir": "\(directory)", "queues": "\(restored)"])
    }

    /// Delayed messages (recovered ones included) fire on this timer, on the engine loop.
    func installDelayTimer(_ timer: EngineDelayTimer) {
        self.delayTimer = timer
        self.broker.delayTimer = timer
    }

    /// Last words before the process ends: everything stored is synced and the files closed.
    func close() {
        self.delayTimer?.cancel()
        self.delayTimer = nil
        self.broker.delayTimer = nil
        self.broker.durability.syncBeforeShutdown()
        self.broker.closeStreams()
        self.broker.closeDelayLogs()
        self.queueStore.close()
        try? self.metadata.close()
    }

    /// Raises or clears the memory and disk alarms; every connection hears when publishing must stop
    /// or may resume (publishers are blocked while either alarm is up).
    func checkResources(memory: MemoryMonitor, disk: DiskMonitor, logger: Logger) {
        let wasBlocked = self.memoryAlarm || self.diskAlarm
        let memoryHigh = memory.isAboveWatermark()
        if memoryHigh != self.memoryAlarm {
            self.memoryAlarm = memoryHigh
            if memoryHigh {
                self.broker.resourceAlarms.insert("memory")
            } else {
                self.broker.resourceAlarms.remove("memory")
            }
            if memoryHigh {
                logger.warning("memory alarm set", metadata: ["watermark": "\(memory.watermarkBytes)"])
            } else {
                logger.notice("memory alarm cleared")
            }
        }
        let diskLow = disk.isBelowLimit()
        if diskLow != self.diskAlarm {
            self.diskAlarm = diskLow
            if diskLow { self.broker.resourceAlarms.insert("disk") } else { self.broker.resourceAlarms.remove("disk") }
            if diskLow {
                logger.warning(
                    "disk alarm set", metadata: ["free_limit": "\(disk.freeLimitBytes)", "path": "\(disk.path)"])
            } else {
                logger.notice("disk alarm cleared")
            }
        }
        let blocked = self.memoryAlarm || self.diskAlarm
        guard blocked != wasBlocked else { return }
        let reason = self.memoryAlarm ? "low on memory" : "low on disk space"
        let event: ResourceAlarmEvent = blocked ? .raised(reason: reason) : .cleared
        for channel in self.connections.all {
            channel.pipeline.fireUserInboundEventTriggered(event)
        }
    }
}
