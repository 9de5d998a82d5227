import JunctionCore

/// `/api/overview`: totals, `message_stats` with rates, and (with `?history=true`, for the
/// dashboard's charts) the sampled rates, queue depths and connections per protocol.
extension HTTPAPI {
    func overview(request: HTTPRequest) -> JSONValue {
        let hosts = self.broker.virtualHosts
        let queues = hosts.flatMap(\.queues)
        let ready = queues.reduce(0) { $0 + $1.readyCount }
        let unacked = queues.reduce(0) { $0 + $1.unackedCount }
        let stats = hosts.reduce(MessageStatistics()) { $0 + $1.statistics }
        let connections = self.broker.connections
        var byProtocol: [String: Int] = [:]
        for connection in connections { byProtocol[connection.summary.protocolLabel, default: 0] += 1 }
        var fields: [(String, JSONValue)] = [
            ("management_version", .string("3.12.0")),
            ("rabbitmq_version", .string("3.12.0")),
            ("product_name", .string("Junction")),
            ("product_version", .string(JunctionVersion.string)),
            ("cluster_name", .string(ManagementRepresentation.nodeName)),
            ("node", .string(ManagementRepresentation.nodeName)),
            (
                "object_totals",
                .object([
                    ("connections", .int(connections.count)),
                    ("channels", .int(connections.reduce(0) { $0 + $1.summary.channelCount })),
                    ("exchanges", .int(hosts.reduce(0) { $0 + $1.allExchanges.count })),
                    ("queues", .int(queues.count)),
                    ("consumers", .int(queues.reduce(0) { $0 + $1.consumerCount })),
                ])
            ),
            (
                "queue_totals",
                .object([
                    ("messages", .int(ready + unacked)), ("messages_ready", .int(ready)),
                    ("messages_unacknowledged", .int(unacked)),
                ])
            ),
            (
                "message_stats",
                ManagementRepresentation.messageStats(
                    QueueMessageCounts(stats), rates: self.broker.messageRates.overviewRates)
            ),
            ("connections_by_protocol", Self.counts(byProtocol)),
            ("listeners", .array([])),
            ("contexts", .array([])),
        ]
        if request.path.query["history"] == "true" {
            fields.append(("history", self.rateHistory()))
        }
        return .object(fields)
    }

    /// One entry per kept sample after the first, oldest first: its time, the rates since the
    /// sample before, and the queue depths and connections at that time.
    private func rateHistory() -> JSONValue {
        let samples = self.broker.messageRates.overview.elements
        guard samples.count >= 2 else { return .array([]) }
        return .array(
            (1..<samples.count).map { index in
                let sample = samples[index]
                let rates = sample.counters.rates(since: samples[index - 1].counters)
                var fields: [(String, JSONValue)] = [("timestamp", .int(sample.counters.milliseconds))]
                for (name, rate) in zip(QueueMessageCounts.names, rates) {
                    fields.append((name + "_rate", .double((rate * 100).rounded() / 100)))
                }
                fields.append(("messages_ready", .int(sample.messagesReady)))
                fields.append(("messages_unacknowledged", .int(sample.messagesUnacknowledged)))
                fields.append(("connections", Self.counts(sample.connectionsByProtocol)))
                return .object(fields)
            })
    }

    private static func counts(_ counts: [String: Int]) -> JSONValue {
        .object(counts.sorted { $0.key < $1.key }.map { ($0.key, .int($0.value)) })
    }
}
