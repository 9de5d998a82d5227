/// Every table of the metadata store, read in one transaction (for start-up recovery).
/// Each array is sorted by its primary key.
public struct MetadataSnapshot: Hashable, Sendable {
    public var virtualHosts: [VirtualHostRecord]
    public var users: [UserRecord]
    public var permissions: [PermissionRecord]
    public var topicPermissions: [TopicPermissionRecord]
    public var exchanges: [ExchangeRecord]
    public var queues: [QueueRecord]
    public var bindings: [BindingRecord]
    public var policies: [PolicyRecord]
    public var consumerOffsets: [ConsumerOffsetRecord]
    public var mqttSessions: [MQTTSessionRecord]
    public var mqttRetainedMessages: [MQTTRetainedMessageRecord]

    public init(
        virtualHosts: [VirtualHostRecord] = [],
        users: [UserRecord] = [],
        permissions: [PermissionRecord] = [],
        topicPermissions: [TopicPermissionRecord] = [],
        exchanges: [ExchangeRecord] = [],
        queues: [QueueRecord] = [],
        bindings: [BindingRecord] = [],
        policies: [PolicyRecord] = [],
        consumerOffsets: [ConsumerOffsetRecord] = [],
        mqttSessions: [MQTTSessionRecord] = [],
        mqttRetainedMessages: [MQTTRetainedMessageRecord] = []
    ) {
        self.virtualHosts = virtualHosts
        self.users = users
        self.permissions = permissions
        self.topicPermissions = topicPermissions
        self.exchanges = exchanges
        self.queues = queues
        self.bindings = bindings
        self.policies = policies
        self.consumerOffsets = consumerOffsets
        self.mqttSessions = mqttSessions
        self.mqttRetainedMessages = mqttRetainedMessages
    }
}
