/// One-transaction shorthands for the `MetadataTransaction` operations; see there for what each
/// does. Use `write(_:)` to make several of them one atomic change.
extension MetadataStore {
    public func addVirtualHost(_ record: VirtualHostRecord) throws {
        try write { try $0.addVirtualHost(record) }
    }

    @discardableResult
    public func deleteVirtualHost(named name: String) throws -> Bool {
        try write { try $0.deleteVirtualHost(named: name) }
    }

    public func putUser(_ record: UserRecord) throws {
        try write { try $0.putUser(record) }
    }

    @discardableResult
    public func deleteUser(named name: String) throws -> Bool {
        try write { try $0.deleteUser(named: name) }
    }

    public func setPermission(_ record: PermissionRecord) throws {
        try write { try $0.setPermission(record) }
    }

    @discardableResult
    public func clearPermission(user: String, virtualHost: String) throws -> Bool {
        try write { try $0.clearPermission(user: user, virtualHost: virtualHost) }
    }

    public func setTopicPermission(_ record: TopicPermissionRecord) throws {
        try write { try $0.setTopicPermission(record) }
    }

    @discardableResult
    public func clearTopicPermission(user: String, virtualHost: String, exchange: String? = nil) throws -> Bool {
        try write { try $0.clearTopicPermission(user: user, virtualHost: virtualHost, exchange: exchange) }
    }

    public func declareExchange(_ record: ExchangeRecord) throws {
        try write { try $0.declareExchange(record) }
    }

    @discardableResult
    public func deleteExchange(virtualHost: String, name: String) throws -> Bool {
        try write { try $0.deleteExchange(virtualHost: virtualHost, name: name) }
    }

    public func declareQueue(_ record: QueueRecord, bindings: [BindingRecord] = []) throws {
        try write { try $0.declareQueue(record, bindings: bindings) }
    }

    @discardableResult
    public func deleteQueue(virtualHost: String, name: String) throws -> Bool {
        try write { try $0.deleteQueue(virtualHost: virtualHost, name: name) }
    }

    @discardableResult
    public func addBinding(_ record: BindingRecord) throws -> Bool {
        try write { try $0.addBinding(record) }
    }

    @discardableResult
    public func removeBinding(_ record: BindingRecord) throws -> Bool {
        try write { try $0.removeBinding(record) }
    }

    public func setPolicy(_ record: PolicyRecord) throws {
        try write { try $0.setPolicy(record) }
    }

    @discardableResult
    public func clearPolicy(virtualHost: String, name: String, kind: PolicyRecord.Kind = .user) throws -> Bool {
        try write { try $0.clearPolicy(virtualHost: virtualHost, name: name, kind: kind) }
    }

    public func commitConsumerOffset(_ record: ConsumerOffsetRecord) throws {
        try write { try $0.commitConsumerOffset(record) }
    }

    @discardableResult
    public func deleteConsumerOffset(virtualHost: String, stream: String, group: String) throws -> Bool {
        try write { try $0.deleteConsumerOffset(virtualHost: virtualHost, stream: stream, group: group) }
    }

    public func saveMQTTSession(_ record: MQTTSessionRecord) throws {
        try write { try $0.saveMQTTSession(record) }
    }

    @discardableResult
    public func deleteMQTTSession(virtualHost: String, clientID: String) throws -> Bool {
        try write { try $0.deleteMQTTSession(virtualHost: virtualHost, clientID: clientID) }
    }

    @discardableResult
    public func touchMQTTSession(virtualHost: String, clientID: String, lastSeenMilliseconds: UInt64) throws -> Bool {
        try write {
            try $0.touchMQTTSession(
                virtualHost: virtualHost, clientID: clientID, lastSeenMilliseconds: lastSeenMilliseconds)
        }
    }

    @discardableResult
    public func updateMQTTSessionInFlight(
        virtualHost: String,
        clientID: String,
        inboundAwaitingRelease: Set<UInt16>,
        awaitingCompletion: Set<UInt16>,
        lastSeenMilliseconds: UInt64
    ) throws -> Bool {
        try write {
            try $0.updateMQTTSessionInFlight(
                virtualHost: virtualHost,
                clientID: clientID,
                inboundAwaitingRelease: inboundAwaitingRelease,
                awaitingCompletion: awaitingCompletion,
                lastSeenMilliseconds: lastSeenMilliseconds
            )
        }
    }

    public func addMQTTSubscription(_ record: MQTTSubscriptionRecord, virtualHost: String, clientID: String) throws {
        try write { try $0.addMQTTSubscription(record, virtualHost: virtualHost, clientID: clientID) }
    }

    @discardableResult
    public func removeMQTTSubscription(virtualHost: String, clientID: String, topicFilter: String) throws -> Bool {
        try write {
            try $0.removeMQTTSubscription(virtualHost: virtualHost, clientID: clientID, topicFilter: topicFilter)
        }
    }

    public func retainMQTTMessage(_ record: MQTTRetainedMessageRecord) throws {
        try write { try $0.retainMQTTMessage(record) }
    }

    @discardableResult
    public func deleteMQTTRetainedMessage(virtualHost: String, topic: String) throws -> Bool {
        try write { try $0.deleteMQTTRetainedMessage(virtualHost: virtualHost, topic: topic) }
    }
}
