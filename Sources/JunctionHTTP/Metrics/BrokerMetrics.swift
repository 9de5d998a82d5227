import CoreMetrics
import JunctionCore
import Prometheus

/// `/metrics`: engine state exported through swift-metrics into a Prometheus registry this object
/// owns (no global bootstrap, so every listener and every test has its own). Everything is read
/// from the engine on scrape: the hot path only bumps plain integers.
final class BrokerMetrics {
    private let registry = PrometheusCollectorRegistry()
    private let factory: PrometheusMetricsFactory
    private var queueGauges: [QueueKey: QueueGauges] = [:]
    private var counters: [String: VirtualHostCounters] = [:]
    private var connectionGauges: [String: CoreMetrics.Gauge] = [:]
    private let residentMemory: CoreMetrics.Gauge
    private let watermark: CoreMetrics.Gauge
    private let memoryAlarm: CoreMetrics.Gauge
    private let diskAlarm: CoreMetrics.Gauge
    private let leased: CoreMetrics.Gauge

    private struct QueueKey: Hashable {
        var vhost: String
        var queue: String
    }

    private struct QueueGauges {
        var ready: CoreMetrics.Gauge
        var unacked: CoreMetrics.Gauge
        var consumers: CoreMetrics.Gauge
    }

    private struct VirtualHostCounters {
        var published: CoreMetrics.Counter
        var delivered: CoreMetrics.Counter
        var acknowledged: CoreMetrics.Counter
        var redelivered: CoreMetrics.Counter
        var deadLettered: CoreMetrics.Counter
        var last = MessageStatistics()
    }

    init() {
        self.factory = PrometheusMetricsFactory(registry: self.registry)
        self.residentMemory = CoreMetrics.Gauge(label: "junction_process_resident_memory_bytes", factory: self.factory)
        self.watermark = CoreMetrics.Gauge(label: "junction_memory_watermark_bytes", factory: self.factory)
        self.memoryAlarm = CoreMetrics.Gauge(label: "junction_resource_alarm", dimensions: [("resource", "memory")], factory: self.factory)
        self.diskAlarm = CoreMetrics.Gauge(label: "junction_resource_alarm", dimensions: [("resource", "disk")], factory: self.factory)
        self.leased = CoreMetrics.Gauge(label: "junction_http_leased_messages", factory: self.factory)
    }

    /// Refreshes every series from the engine and renders the Prometheus text format.
    func scrape(broker: Broker, leasedMessages: Int, watermarkBytes: Int?) -> [UInt8] {
        self.refreshQueues(broker)
        self.refreshCounters(broker)
        self.refreshConnections(broker)
        self.residentMemory.record(ProcessMemory.residentBytes() ?? 0)
        self.watermark.record(watermarkBytes ?? 0)
        self.memoryAlarm.record(broker.resourceAlarms.contains("memory") ? 1 : 0)
        self.diskAlarm.record(broker.resourceAlarms.contains("disk") ? 1 : 0)
        self.leased.record(leasedMessages)
        return self.registry.emitToBuffer()
    }

    private func refreshQueues(_ broker: Broker) {
        var seen = Set<QueueKey>()
        for host in broker.virtualHosts {
            for queue in host.queues {
                let key = QueueKey(vhost: host.name, queue: queue.name)
                seen.insert(key)
                let gauges = self.queueGauges[key] ?? self.makeQueueGauges(key)
                self.queueGauges[key] = gauges
                gauges.ready.record(queue.readyCount)
                gauges.unacked.record(queue.unackedCount)
                gauges.consumers.record(queue.consumerCount)
            }
        }
        for (key, gauges) in self.queueGauges where !seen.contains(key) {
            gauges.ready.destroy()
            gauges.unacked.destroy()
            gauges.consumers.destroy()
            self.queueGauges[key] = nil
        }
    }

    private func makeQueueGauges(_ key: QueueKey) -> QueueGauges {
        let labels = [("vhost", key.vhost), ("queue", key.queue)]
        return QueueGauges(
            ready: CoreMetrics.Gauge(label: "junction_queue_messages_ready", dimensions: labels, factory: self.factory),
            unacked: CoreMetrics.Gauge(label: "junction_queue_messages_unacked", dimensions: labels, factory: self.factory),
            consumers: CoreMetrics.Gauge(label: "junction_queue_consumers", dimensions: labels, factory: self.factory)
        )
    }

    /// Counters only go up: each scrape adds what the engine counted since the last one.
    private func refreshCounters(_ broker: Broker) {
        for host in broker.virtualHosts {
            var counters = self.counters[host.name] ?? self.makeCounters(host.name)
            let now = host.statistics
            counters.published.increment(by: max(0, now.published - counters.last.published))
            counters.delivered.increment(by: max(0, now.delivered - counters.last.delivered))
            counters.acknowledged.increment(by: max(0, now.acknowledged - counters.last.acknowledged))
            counters.redelivered.increment(by: max(0, now.redelivered - counters.last.redelivered))
            counters.deadLettered.increment(by: max(0, now.deadLettered - counters.last.deadLettered))
            counters.last = now
            self.counters[host.name] = counters
        }
    }

    private func makeCounters(_ vhost: String) -> VirtualHostCounters {
        let labels = [("vhost", vhost)]
        return VirtualHostCounters(
            published: CoreMetrics.Counter(label: "junction_messages_published_total", dimensions: labels, factory: self.factory),
            delivered: CoreMetrics.Counter(label: "junction_messages_delivered_total", dimensions: labels, factory: self.factory),
            acknowledged: CoreMetrics.Counter(label: "junction_messages_acknowledged_total", dimensions: labels, factory: self.factory),
            redelivered: CoreMetrics.Counter(label: "junction_messages_redelivered_total", dimensions: labels, factory: self.factory),
            deadLettered: CoreMetrics.Counter(label: "junction_messages_dead_lettered_total", dimensions: labels, factory: self.factory)
        )
    }

    private func refreshConnections(_ broker: Broker) {
        var byProtocol: [String: Int] = [:]
        for name in self.connectionGauges.keys { byProtocol[name] = 0 }
        for connection in broker.connections {
            let summary = connection.summary
            let name = summary.transport == "TCP" ? summary.protocolName : "\(summary.protocolName) (\(summary.transport))"
            byProtocol[name, default: 0] += 1
        }
        for (name, count) in byProtocol {
            let gauge =
                self.connectionGauges[name]
                ?? CoreMetrics.Gauge(label: "junction_connections", dimensions: [("protocol", name)], factory: self.factory)
            self.connectionGauges[name] = gauge
            gauge.record(count)
        }
    }
}
