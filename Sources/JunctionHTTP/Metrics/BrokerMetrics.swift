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
    private var refusalCounters: [RefusalReason: (counter: CoreMetrics.Counter, last: Int)] = [:]
    private let residentMemory: CoreMetrics.Gauge
    private let watermark: CoreMetrics.Gauge
    private let memoryAlarm: CoreMetrics.Gauge
    private let diskAlarm: CoreMetrics.Gauge
    private let leased: CoreMetrics.Gauge
    private let diskFree: CoreMetrics.Gauge
    private let diskFreeLimit: CoreMetrics.Gauge
    private var groupGauges: [GroupKey: GroupGauges] = [:]
    /// Rebalances of each group over a partitioned stream (`stream` is the partitioned stream).
    private var rebalanceGauges: [GroupKey: CoreMetrics.Gauge] = [:]

    private struct GroupKey: Hashable {
        var vhost: String
        var stream: String
        var group: String
    }

    private struct GroupGauges {
        var lag: CoreMetrics.Gauge
        var committed: CoreMetrics.Gauge
    }

    private struct QueueKey: Hashable {
        var vhost: String
        var queue: String
    }

    private struct QueueGauges {
        var ready: CoreMetrics.Gauge
        var unacked: CoreMetrics.Gauge
        var consumers: CoreMetrics.Gauge
        /// 1 when the queue's log could not be opened at start-up (the queue refuses everything).
        var failed: CoreMetrics.Gauge
        /// Bytes of the queue's segments recovery set aside as `.log.corrupt`.
        var lostBytes: CoreMetrics.Gauge
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
        self.memoryAlarm = CoreMetrics.Gauge(
            label: "junction_resource_alarm", dimensions: [("resource", "memory")], factory: self.factory)
        self.diskAlarm = CoreMetrics.Gauge(
            label: "junction_resource_alarm", dimensions: [("resource", "disk")], factory: self.factory)
        self.leased = CoreMetrics.Gauge(label: "junction_http_leased_messages", factory: self.factory)
        self.diskFree = CoreMetrics.Gauge(label: "junction_disk_free_bytes", factory: self.factory)
        self.diskFreeLimit = CoreMetrics.Gauge(label: "junction_disk_free_limit_bytes", factory: self.factory)
    }

    /// Refreshes every series from the engine and renders the Prometheus text format.
    /// - Parameters:
    ///   - dataDirectory: where free disk space is measured (nil: not reported, 0).
    ///   - diskFreeLimitBytes: the server's `disk_free_limit` (nil: not reported, 0).
    func scrape(
        broker: Broker,
        leasedMessages: Int,
        watermarkBytes: Int?,
        dataDirectory: String? = nil,
        diskFreeLimitBytes: Int? = nil
    ) -> [UInt8] {
        self.refreshQueues(broker)
        self.refreshStreamGroups(broker)
        self.diskFree.record(dataDirectory.flatMap(DiskSpace.freeBytes) ?? 0)
        self.diskFreeLimit.record(diskFreeLimitBytes ?? 0)
        self.refreshCounters(broker)
        self.refreshRefusals(broker)
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
                gauges.failed.record(queue.isFailed ? 1 : 0)
                gauges.lostBytes.record(queue.storageProblems?.lostBytes ?? 0)
            }
        }
        for (key, gauges) in self.queueGauges where !seen.contains(key) {
            gauges.ready.destroy()
            gauges.unacked.destroy()
            gauges.consumers.destroy()
            gauges.failed.destroy()
            gauges.lostBytes.destroy()
            self.queueGauges[key] = nil
        }
    }

    /// One lag and one committed-offset series per consumer group of every stream; the committed
    /// offset is -1 while the group has acknowledged nothing.
    private func refreshStreamGroups(_ broker: Broker) {
        var seen = Set<GroupKey>()
        for host in broker.virtualHosts {
            for stream in host.streams {
                for group in stream.groups {
                    let key = GroupKey(vhost: host.name, stream: stream.name, group: group.name)
                    seen.insert(key)
                    let gauges = self.groupGauges[key] ?? self.makeGroupGauges(key)
                    self.groupGauges[key] = gauges
                    gauges.lag.record(group.lag)
                    gauges.committed.record(group.committedOffset ?? -1)
                }
            }
        }
        for (key, gauges) in self.groupGauges where !seen.contains(key) {
            gauges.lag.destroy()
            gauges.committed.destroy()
            self.groupGauges[key] = nil
        }
        self.refreshRebalances(broker)
    }

    /// One rebalance count per group of every partitioned stream (lag and committed offsets are
    /// the partitions' own series above, one per partition stream `name-<n>`).
    private func refreshRebalances(_ broker: Broker) {
        var seen = Set<GroupKey>()
        for host in broker.virtualHosts {
            for partitioned in host.partitionedStreams {
                for group in partitioned.groups {
                    let key = GroupKey(vhost: host.name, stream: partitioned.name, group: group.name)
                    seen.insert(key)
                    let gauge =
                        self.rebalanceGauges[key]
                        ?? CoreMetrics.Gauge(
                            label: "junction_stream_group_rebalances",
                            dimensions: [("vhost", key.vhost), ("stream", key.stream), ("group", key.group)],
                            factory: self.factory)
                    self.rebalanceGauges[key] = gauge
                    gauge.record(group.rebalanceCount)
                }
            }
        }
        for (key, gauge) in self.rebalanceGauges where !seen.contains(key) {
            gauge.destroy()
            self.rebalanceGauges[key] = nil
        }
    }

    private func makeGroupGauges(_ key: GroupKey) -> GroupGauges {
        let labels = [("vhost", key.vhost), ("stream", key.stream), ("group", key.group)]
        return GroupGauges(
            lag: CoreMetrics.Gauge(
                label: "junction_stream_consumer_group_lag", dimensions: labels, factory: self.factory),
            committed: CoreMetrics.Gauge(
                label: "junction_stream_committed_offset", dimensions: labels, factory: self.factory)
        )
    }

    private func makeQueueGauges(_ key: QueueKey) -> QueueGauges {
        let labels = [("vhost", key.vhost), ("queue", key.queue)]
        return QueueGauges(
            ready: CoreMetrics.Gauge(label: "junction_queue_messages_ready", dimensions: labels, factory: self.factory),
            unacked: CoreMetrics.Gauge(
                label: "junction_queue_messages_unacked", dimensions: labels, factory: self.factory),
            consumers: CoreMetrics.Gauge(label: "junction_queue_consumers", dimensions: labels, factory: self.factory),
            failed: CoreMetrics.Gauge(label: "junction_queue_failed", dimensions: labels, factory: self.factory),
            lostBytes: CoreMetrics.Gauge(
                label: "junction_queue_lost_segment_bytes", dimensions: labels, factory: self.factory)
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
            published: CoreMetrics.Counter(
                label: "junction_messages_published_total", dimensions: labels, factory: self.factory),
            delivered: CoreMetrics.Counter(
                label: "junction_messages_delivered_total", dimensions: labels, factory: self.factory),
            acknowledged: CoreMetrics.Counter(
                label: "junction_messages_acknowledged_total", dimensions: labels, factory: self.factory),
            redelivered: CoreMetrics.Counter(
                label: "junction_messages_redelivered_total", dimensions: labels, factory: self.factory),
            deadLettered: CoreMetrics.Counter(
                label: "junction_messages_dead_lettered_total", dimensions: labels, factory: self.factory)
        )
    }

    /// `junction_refused_total{reason}`: what limits refused, every reason present from the first scrape.
    private func refreshRefusals(_ broker: Broker) {
        for reason in RefusalReason.allCases {
            let now = broker.refusals[reason] ?? 0
            var entry =
                self.refusalCounters[reason]
                ?? (
                    CoreMetrics.Counter(
                        label: "junction_refused_total", dimensions: [("reason", reason.rawValue)],
                        factory: self.factory),
                    0
                )
            entry.counter.increment(by: max(0, now - entry.last))
            entry.last = now
            self.refusalCounters[reason] = entry
        }
    }

    private func refreshConnections(_ broker: Broker) {
        var byProtocol: [String: Int] = [:]
        for name in self.connectionGauges.keys { byProtocol[name] = 0 }
        for connection in broker.connections {
            let summary = connection.summary
            let name =
                summary.transport == "TCP" ? summary.protocolName : "\(summary.protocolName) (\(summary.transport))"
            byProtocol[name, default: 0] += 1
        }
        for (name, count) in byProtocol {
            let gauge =
                self.connectionGauges[name]
                ?? CoreMetrics.Gauge(
                    label: "junction_connections", dimensions: [("protocol", name)], factory: self.factory)
            self.connectionGauges[name] = gauge
            gauge.record(count)
        }
    }
}
