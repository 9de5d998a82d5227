public import JunctionCore
import JunctionModel

/// RabbitMQ-shaped JSON for engine objects (what `rabbitmqadmin` and the management UI read).
public enum ManagementRepresentation {
    /// A queue; with `stream`, the queue behind a stream: `type: stream`, its messages are the
    /// retained ones, plus offsets and consumer groups (`streamFields`).
    /// `rates` are the queue's current rates in `QueueMessageCounts.names` order (zeros when nil).
    /// With `partitioned`, a partitioned stream (`partitionedFields`).
    public static func queue(
        _ queue: MessageQueue, vhost: String, stream: StreamQueue? = nil, partitioned: PartitionedStream? = nil,
        rates: [Double]? = nil
    ) -> JSONValue {
        let stats = QueueMessageCounts(queue.statistics)
        var fields = Self.queueFields(queue, vhost: vhost, stats: stats, rates: rates)
        if let partitioned {
            return .object(Self.partitionedFields(fields, partitioned))
        }
        if let stream {
            fields = fields.map { key, value in
                switch key {
                case "type": (key, .string("stream"))
                case "messages", "messages_ready": (key, .int(Int64(stream.messageCount)))
                default: (key, value)
                }
            }
            fields += Self.streamFields(
                firstOffset: stream.offsetRange.first,
                nextOffset: stream.offsetRange.next,
                sizeInBytes: stream.sizeInBytes,
                groups: stream.groups
            )
        }
        return .object(fields)
    }

    /// Stream-only fields: `first_offset`/`last_offset` (null while empty), `segment_bytes`, and
    /// `consumer_groups` with each group's committed offset (null until it acknowledged
    /// something), lag (messages after the committed offset) and active consumer tag.
    public static func streamFields(
        firstOffset: Int64,
        nextOffset: Int64,
        sizeInBytes: Int64,
        groups: [StreamGroupInfo]
    ) -> [(String, JSONValue)] {
        let isEmpty = nextOffset <= firstOffset
        return [
            ("first_offset", isEmpty ? .null : .int(firstOffset)),
            ("last_offset", isEmpty ? .null : .int(nextOffset - 1)),
            ("next_offset", .int(nextOffset)),
            ("segment_bytes", .int(sizeInBytes)),
            (
                "consumer_groups",
                .array(
                    groups.map { group in
                        .object([
                            ("name", .string(group.name)),
                            ("committed_offset", group.committedOffset.map(JSONValue.int) ?? .null),
                            ("lag", .int(group.lag)),
                            ("active_consumer", group.activeConsumerTag.map(JSONValue.string) ?? .null),
                            ("members", .int(Int64(group.memberCount))),
                        ])
                    }
                )
            ),
        ]
    }

    private static func queueFields(
        _ queue: MessageQueue, vhost: String, stats: QueueMessageCounts, rates: [Double]?
    ) -> [(String, JSONValue)] {
        var fields = Self.queueBasics(queue, vhost: vhost, stats: stats, rates: rates)
        // A failed queue (`state: failed`) and segments recovery set aside, as RabbitMQ shows a
        // crashed queue: the reason and what was lost, so no queue looks empty without a word.
        if let problems = queue.storageProblems, !problems.isEmpty {
            fields.append(
                (
                    "storage_problems",
                    .object([
                        ("error", problems.openFailure.map(JSONValue.string) ?? .null),
                        ("lost_segments", .array(problems.lostSegments.map(JSONValue.string))),
                        ("lost_bytes", .int(problems.lostBytes)),
                    ])
                ))
        }
        return fields
    }

    private static func queueBasics(
        _ queue: MessageQueue, vhost: String, stats: QueueMessageCounts, rates: [Double]?
    ) -> [(String, JSONValue)] {
        [
            ("name", .string(queue.name)),
            ("vhost", .string(vhost)),
            ("type", .string(queue.isStream ? "stream" : queue.isQuorum ? "quorum" : "classic")),
            ("durable", .bool(queue.durable)),
            ("auto_delete", .bool(queue.autoDelete)),
            ("exclusive", .bool(queue.exclusiveOwner != nil)),
            ("arguments", JSONValue(queue.arguments)),
            ("policy", queue.policy.map { .string($0.name) } ?? .null),
            ("operator_policy", queue.operatorPolicy.map { .string($0.name) } ?? .null),
            ("effective_policy_definition", HTTPAPI.definition(queue.effectivePolicyDefinition)),
            ("single_active_consumer_tag", queue.activeConsumer.map { .string($0.tag) } ?? .null),
            ("state", .string(queue.isFailed ? "failed" : "running")),
            ("node", .string(nodeName)),
            ("messages", .int(queue.readyCount + queue.unackedCount)),
            ("messages_ready", .int(queue.readyCount)),
            ("messages_unacknowledged", .int(queue.unackedCount)),
            ("consumers", .int(queue.consumerCount)),
            ("message_stats", Self.messageStats(stats, rates: rates)),
        ]
    }

    /// RabbitMQ's `message_stats`: each counter and its `<name>_details: {rate: per second}`.
    /// `rates` come in `Counts.names` order; nil gives rates of 0 (no sample yet).
    public static func messageStats<Counts: MessageCounters>(_ counts: Counts, rates: [Double]?) -> JSONValue {
        var fields: [(String, JSONValue)] = []
        for (index, (name, value)) in zip(Counts.names, counts.values).enumerated() {
            let rate = rates.flatMap { index < $0.count ? $0[index] : nil } ?? 0
            fields.append((name, .int(Int64(value))))
            fields.append(("\(name)_details", .object([("rate", .double((rate * 100).rounded() / 100))])))
        }
        return .object(fields)
    }

    /// An exchange; with `rates` (in `ExchangeMessageCounts.names` order) also its `message_stats`
    /// (`publish_in`, `publish_out`). Definitions leave them out.
    public static func exchange(_ exchange: Exchange, vhost: String, rates: [Double]? = nil) -> JSONValue {
        var fields: [(String, JSONValue)] = [
            ("name", .string(exchange.name)),
            ("vhost", .string(vhost)),
            ("type", .string(exchange.type.rawValue)),
            ("durable", .bool(exchange.durable)),
            ("auto_delete", .bool(exchange.autoDelete)),
            ("internal", .bool(exchange.internal)),
            ("arguments", JSONValue(exchange.arguments)),
        ]
        if let rates {
            let counts = ExchangeMessageCounts(publishIn: exchange.publishedIn, publishOut: exchange.publishedOut)
            fields.append(("message_stats", Self.messageStats(counts, rates: rates)))
        }
        return .object(fields)
    }

    public static func binding(_ binding: BindingInfo, vhost: String) -> JSONValue {
        .object([
            ("source", .string(binding.source)),
            ("vhost", .string(vhost)),
            ("destination", .string(binding.destination)),
            ("destination_type", .string(binding.destinationKind == .queue ? "queue" : "exchange")),
            ("routing_key", .string(binding.routingKey)),
            ("arguments", JSONValue(binding.arguments)),
            ("properties_key", .string(propertiesKey(binding))),
        ])
    }

    /// Identifies a binding in `DELETE /api/bindings/.../{props}`: the routing key (`~` when empty),
    /// plus `~` and a digest of the arguments when there are any.
    public static func propertiesKey(_ binding: BindingInfo) -> String {
        let key = binding.routingKey.isEmpty ? "~" : binding.routingKey
        guard !binding.arguments.isEmpty else { return key }
        // FNV-1a over the serialized arguments: stable across runs, unlike `hashValue`.
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in JSONValue(binding.arguments).serialized.utf8 {
            hash = (hash ^ UInt64(byte)) &* 0x100_0000_01b3
        }
        return key + "~" + String(hash, radix: 36)
    }

    public static func connection(_ summary: ConnectionSummary) -> JSONValue {
        let (host, port) = splitPeer(summary.peer)
        let protocolName =
            summary.transport == "TCP" ? summary.protocolName : "\(summary.protocolName) (\(summary.transport))"
        return .object([
            ("name", .string(connectionName(summary))),
            ("id", .int(Int64(clamping: summary.id.rawValue))),
            ("protocol", .string(protocolName)),
            ("transport", .string(summary.transport)),
            ("type", .string("network")),
            ("state", .string("running")),
            ("node", .string(nodeName)),
            ("peer_host", .string(host)),
            ("peer_port", port.map { .int(Int64($0)) } ?? .null),
            // rabbitmqadmin's tables need strings here, even before a login.
            ("user", .string(summary.user ?? "")),
            ("vhost", .string(summary.virtualHost ?? "")),
            ("channels", .int(summary.channelCount)),
            ("connected_at", .int(Int64(clamping: summary.connectedAtMilliseconds))),
            (
                "client_properties",
                .object(summary.clientProperties.sorted { $0.key < $1.key }.map { ($0.key, .string($0.value)) })
            ),
        ])
    }

    /// `127.0.0.1:50123 -> junction (7)`: unique, and readable in `rabbitmqadmin list connections`.
    public static func connectionName(_ summary: ConnectionSummary) -> String {
        "\(summary.peer) -> junction (\(summary.id.rawValue))"
    }

    public static func consumer(_ subscription: Subscription, vhost: String) -> JSONValue {
        .object([
            ("consumer_tag", .string(subscription.tag)),
            ("queue", .object([("name", .string(subscription.queue.name)), ("vhost", .string(vhost))])),
            ("ack_required", .bool(!subscription.noAck)),
            ("exclusive", .bool(subscription.exclusive)),
            ("prefetch_count", .int(subscription.prefetch)),
            ("active", .bool(!subscription.isCancelled && Self.isActive(subscription))),
            ("activity_status", .string(Self.activityStatus(subscription))),
            ("arguments", JSONValue(subscription.arguments)),
            ("channel_details", .object([("connection_id", .int(Int64(clamping: subscription.owner.rawValue)))])),
        ])
    }

    /// RabbitMQ's consumer `activity_status`: `single_active` / `waiting` on a single-active-consumer queue.
    static func activityStatus(_ subscription: Subscription) -> String {
        guard let active = subscription.queue.activeConsumer else { return "up" }
        return active === subscription ? "single_active" : "waiting"
    }

    static func isActive(_ subscription: Subscription) -> Bool {
        subscription.queue.activeConsumer.map { $0 === subscription } ?? true
    }

    /// A stream consumer in the same shape, plus `consumer_group`, `offset` (the next offset it
    /// reads) and `unacknowledged`; `active` is false for a group member waiting its turn.
    public static func streamConsumer(_ subscription: StreamSubscription, vhost: String) -> JSONValue {
        var arguments: [(String, JSONValue)] = []
        if let group = subscription.group { arguments.append(("x-consumer-group", .string(group))) }
        return .object([
            ("consumer_tag", .string(subscription.tag)),
            ("queue", .object([("name", .string(subscription.stream.name)), ("vhost", .string(vhost))])),
            ("ack_required", .bool(true)),
            ("exclusive", .bool(false)),
            ("prefetch_count", .int(subscription.prefetch)),
            ("active", .bool(subscription.isActive && !subscription.isCancelled)),
            (
                "activity_status",
                .string(
                    subscription.group == nil || subscription.isShareMember
                        ? "up" : subscription.isActive ? "single_active" : "waiting")
            ),
            ("arguments", .object(arguments)),
            ("consumer_group", subscription.group.map(JSONValue.string) ?? .null),
            ("offset", .int(subscription.nextOffsetToRead)),
            ("unacknowledged", .int(subscription.unackedCount)),
            ("channel_details", .object([("connection_id", .int(Int64(clamping: subscription.owner.rawValue)))])),
        ])
    }

    public static func vhost(_ host: VirtualHost) -> JSONValue {
        let queues = host.queues
        let ready = queues.reduce(0) { $0 + $1.readyCount }
        let unacked = queues.reduce(0) { $0 + $1.unackedCount }
        return .object([
            ("name", .string(host.name)),
            ("description", .string("")),
            ("tracing", .bool(false)),
            ("messages", .int(ready + unacked)),
            ("messages_ready", .int(ready)),
            ("messages_unacknowledged", .int(unacked)),
        ])
    }

    public static let nodeName = "junction@localhost"

    static func splitPeer(_ peer: String) -> (String, Int?) {
        guard let colon = peer.lastIndex(of: ":"), let port = Int(peer[peer.index(after: colon)...]) else {
            return (peer, nil)
        }
        var host = String(peer[..<colon])
        if host.hasPrefix("[") && host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        return (host, port)
    }
}
