@testable import JunctionStorage

/// Records filling every table, for round-trip and reopen tests.
enum MetadataFixtures {
    static func fullSnapshot() -> MetadataSnapshot {
        MetadataSnapshot(
            virtualHosts: [VirtualHostRecord(name: "/"), VirtualHostRecord(name: "staging")],
            users: [
                UserRecord(name: "admin", passwordHash: "c2FsdGhhc2g=", tags: ["administrator", "monitoring"]),
                UserRecord(name: "guest", passwordHash: "Z3Vlc3Q=", tags: []),
            ],
            permissions: [
                PermissionRecord(user: "admin", virtualHost: "/", configure: ".*", write: ".*", read: ".*"),
                PermissionRecord(user: "guest", virtualHost: "staging", configure: "", write: "^amq\\.", read: ".*"),
            ],
            topicPermissions: [
                TopicPermissionRecord(
                    user: "admin", virtualHost: "/", exchange: "amq.topic", write: "^sensors\\.", read: ".*"),
                TopicPermissionRecord(
                    user: "guest", virtualHost: "staging", exchange: "events", write: "", read: "^a$"),
            ],
            exchanges: [
                ExchangeRecord(virtualHost: "/", name: "events", type: "topic", arguments: [0, 0, 0, 0]),
                ExchangeRecord(
                    virtualHost: "/", name: "internal.fanout", type: "fanout", durable: false, autoDelete: true,
                    internal: true, arguments: []
                ),
            ],
            queues: [
                QueueRecord(virtualHost: "/", name: "audit", kind: .stream, arguments: [1, 2, 3]),
                QueueRecord(
                    virtualHost: "/", name: "orders", kind: .classic, durable: true, exclusive: true, autoDelete: true
                ),
            ],
            // Sorted as loaded: by virtual host, source, destination kind, destination, routing key.
            bindings: [
                BindingRecord(
                    virtualHost: "/", source: "events", destination: "internal.fanout", destinationKind: .exchange,
                    routingKey: "orders.*", arguments: [9]
                ),
                BindingRecord(virtualHost: "/", source: "events", destination: "audit", routingKey: "#"),
            ],
            policies: [
                PolicyRecord(
                    virtualHost: "/", name: "ttl", pattern: "^orders$", applyTo: .classicQueues,
                    definition: #"{"message-ttl":60000}"#, priority: -3
                ),
                PolicyRecord(virtualHost: "staging", name: "ae", pattern: ".*", applyTo: .exchanges, definition: "{}"),
            ],
            consumerOffsets: [
                ConsumerOffsetRecord(
                    virtualHost: "/", stream: "audit", group: "billing", offset: UInt64.max,
                    updatedAtMilliseconds: 1_700_000_000_000
                )
            ],
            mqttSessions: [
                MQTTSessionRecord(
                    virtualHost: "/", clientID: "sensor-1", cleanStart: false, expiryIntervalSeconds: UInt32.max,
                    protocolLevel: 5, lastSeenMilliseconds: 1_700_000_000_123,
                    subscriptions: [
                        MQTTSubscriptionRecord(topicFilter: "cmd/#", qos: 1),
                        MQTTSubscriptionRecord(
                            topicFilter: "cmd/+/reset", qos: 2, noLocal: true, retainAsPublished: true,
                            retainHandling: 2, subscriptionIdentifier: 268_435_455
                        ),
                    ]
                ),
                MQTTSessionRecord(
                    virtualHost: "/", clientID: "sensor-2", cleanStart: true, expiryIntervalSeconds: 0,
                    protocolLevel: 4, lastSeenMilliseconds: 5
                ),
            ],
            mqttRetainedMessages: [
                MQTTRetainedMessageRecord(
                    virtualHost: "/", topic: "home/kitchen/temp", payload: Array("21.5".utf8), qos: 1,
                    properties: [0x01, 0x01], storedAtMilliseconds: 42
                )
            ]
        )
    }

    /// Writes every record of `snapshot`, one call per record.
    static func store(_ snapshot: MetadataSnapshot, in store: MetadataStore) throws {
        for record in snapshot.virtualHosts { try store.addVirtualHost(record) }
        for record in snapshot.users { try store.putUser(record) }
        for record in snapshot.permissions { try store.setPermission(record) }
        for record in snapshot.topicPermissions { try store.setTopicPermission(record) }
        for record in snapshot.exchanges { try store.declareExchange(record) }
        for record in snapshot.queues { try store.declareQueue(record) }
        for record in snapshot.bindings { try store.addBinding(record) }
        for record in snapshot.policies { try store.setPolicy(record) }
        for record in snapshot.consumerOffsets { try store.commitConsumerOffset(record) }
        for record in snapshot.mqttSessions { try store.saveMQTTSession(record) }
        for record in snapshot.mqttRetainedMessages { try store.retainMQTTMessage(record) }
    }
}
