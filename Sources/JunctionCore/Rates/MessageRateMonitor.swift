/// Message rates like RabbitMQ's management API (`message_stats.*_details.rate`): the engine's
/// plain counters are read on a timer (`sample(from:)`, every `http.rates_sample_interval_seconds`)
/// into rings, and a rate is the difference between the two newest samples over the time between
/// them. Nothing happens per message. Confined to the engine loop, like the broker that owns it.
public final class MessageRateMonitor {
    /// Names an exchange or queue across virtual hosts.
    public struct ObjectKey: Hashable, Sendable {
        public var vhost: String
        public var name: String

        public init(vhost: String, name: String) {
            self.vhost = vhost
            self.name = name
        }
    }

    /// What the dashboard charts: broker-wide counters, queue depths and connections.
    public struct OverviewSample: Sendable {
        public var counters: CounterSample<QueueMessageCounts>
        public var messagesReady: Int
        public var messagesUnacknowledged: Int
        /// Open connections per protocol (`AMQP 0-9-1`, `MQTT 5.0 (WebSocket)`, ...).
        public var connectionsByProtocol: [String: Int]
    }

    /// Broker-wide samples kept for charts (`http.rates_history_samples`).
    public private(set) var overview: SampleRing<OverviewSample>
    /// Two samples per object: enough for the current rate, small for many queues.
    private var queueSamples: [ObjectKey: SampleRing<CounterSample<QueueMessageCounts>>] = [:]
    private var exchangeSamples: [ObjectKey: SampleRing<CounterSample<ExchangeMessageCounts>>] = [:]

    public init(historyLength: Int) {
        self.overview = SampleRing(capacity: max(historyLength, 2))
    }

    /// Broker-wide rates in `QueueMessageCounts.names` order.
    public var overviewRates: [Double] {
        guard let (older, newer) = self.overview.newestPair else { return QueueMessageCounts.names.map { _ in 0 } }
        return newer.counters.rates(since: older.counters)
    }

    public func queueRates(vhost: String, name: String) -> [Double] {
        self.queueSamples[ObjectKey(vhost: vhost, name: name)]?.rates() ?? QueueMessageCounts.names.map { _ in 0 }
    }

    public func exchangeRates(vhost: String, name: String) -> [Double] {
        self.exchangeSamples[ObjectKey(vhost: vhost, name: name)]?.rates()
            ?? ExchangeMessageCounts.names.map { _ in 0 }
    }

    /// Reads every counter of `hosts` at `milliseconds`; objects that are gone are forgotten (a
    /// queue declared again under the same name starts without a rate).
    func record(
        hosts: [VirtualHost], connectionsByProtocol: [String: Int], milliseconds: Int64
    ) {
        var queues: [ObjectKey: SampleRing<CounterSample<QueueMessageCounts>>] = [:]
        var exchanges: [ObjectKey: SampleRing<CounterSample<ExchangeMessageCounts>>] = [:]
        queues.reserveCapacity(self.queueSamples.count)
        exchanges.reserveCapacity(self.exchangeSamples.count)
        var total = QueueMessageCounts()
        var ready = 0
        var unacked = 0
        for host in hosts {
            let statistics = host.statistics
            total.publish += statistics.published
            total.deliverGet += statistics.delivered
            total.ack += statistics.acknowledged
            total.redeliver += statistics.redelivered
            for queue in host.queuesByName.values {
                let key = ObjectKey(vhost: host.name, name: queue.name)
                var ring = self.queueSamples[key] ?? SampleRing(capacity: 2)
                ring.append(CounterSample(milliseconds: milliseconds, counts: QueueMessageCounts(queue.statistics)))
                queues[key] = ring
                ready += queue.readyCount
                unacked += queue.unackedCount
            }
            for exchange in host.exchanges.values {
                let key = ObjectKey(vhost: host.name, name: exchange.name)
                var ring = self.exchangeSamples[key] ?? SampleRing(capacity: 2)
                let counts = ExchangeMessageCounts(publishIn: exchange.publishedIn, publishOut: exchange.publishedOut)
                ring.append(CounterSample(milliseconds: milliseconds, counts: counts))
                exchanges[key] = ring
            }
        }
        self.queueSamples = queues
        self.exchangeSamples = exchanges
        self.overview.append(
            OverviewSample(
                counters: CounterSample(milliseconds: milliseconds, counts: total),
                messagesReady: ready,
                messagesUnacknowledged: unacked,
                connectionsByProtocol: connectionsByProtocol
            ))
    }
}

extension ConnectionSummary {
    /// The protocol and, when not plain TCP, the transport: `MQTT 5.0 (WebSocket)`.
    public var protocolLabel: String {
        self.transport == "TCP" ? self.protocolName : "\(self.protocolName) (\(self.transport))"
    }
}

extension Broker {
    /// Takes one rate sample of every counter; the server calls it on a timer.
    public func sampleMessageRates() {
        self.messageRates.record(
            hosts: self.virtualHosts,
            connectionsByProtocol: self.connectionsByProtocol,
            milliseconds: Int64(clamping: self.clock.nowMilliseconds())
        )
    }
}

@available(*, unavailable)
extension MessageRateMonitor: Sendable {}
