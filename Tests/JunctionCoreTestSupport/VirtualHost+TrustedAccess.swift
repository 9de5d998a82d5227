public import JunctionCore
public import JunctionModel

/// Test targets drive the engine as the broker itself: every permission check passes (the access
/// rules have their own tests in JunctionCoreTests/Auth and the interop permission matrix).
extension VirtualHost {
    private var trusted: AccessContext { AccessContext.trusted(virtualHost: self.name) }

    public func publish(_ message: Message) throws(BrokerError) -> PublishOutcome {
        try self.publish(message, access: self.trusted)
    }

    public func declareExchange(
        _ name: String, type: String, durable: Bool, autoDelete: Bool, internal: Bool, arguments: FieldTable,
        passive: Bool
    ) throws(BrokerError) {
        try self.declareExchange(
            name, type: type, durable: durable, autoDelete: autoDelete, internal: `internal`, arguments: arguments,
            passive: passive, access: self.trusted)
    }

    public func deleteExchange(_ name: String, ifUnused: Bool) throws(BrokerError) {
        try self.deleteExchange(name, ifUnused: ifUnused, access: self.trusted)
    }

    public func bindExchange(
        destination: String, source: String, routingKey: String, arguments: FieldTable
    )
        throws(BrokerError)
    {
        try self.bindExchange(
            destination: destination, source: source, routingKey: routingKey, arguments: arguments,
            access: self.trusted)
    }

    public func unbindExchange(
        destination: String, source: String, routingKey: String, arguments: FieldTable
    )
        throws(BrokerError)
    {
        try self.unbindExchange(
            destination: destination, source: source, routingKey: routingKey, arguments: arguments,
            access: self.trusted)
    }

    public func declareQueue(
        _ name: String, durable: Bool, exclusive: Bool, autoDelete: Bool, arguments: FieldTable, passive: Bool,
        owner: ConnectionID
    ) throws(BrokerError) -> QueueDeclareOK {
        try self.declareQueue(
            name, durable: durable, exclusive: exclusive, autoDelete: autoDelete, arguments: arguments,
            passive: passive, owner: owner, access: self.trusted)
    }

    public func bindQueue(
        _ queue: String, exchange: String, routingKey: String, arguments: FieldTable, owner: ConnectionID
    )
        throws(BrokerError)
    {
        try self.bindQueue(
            queue, exchange: exchange, routingKey: routingKey, arguments: arguments, owner: owner,
            access: self.trusted)
    }

    public func unbindQueue(
        _ queue: String, exchange: String, routingKey: String, arguments: FieldTable, owner: ConnectionID
    ) throws(BrokerError) {
        try self.unbindQueue(
            queue, exchange: exchange, routingKey: routingKey, arguments: arguments, owner: owner,
            access: self.trusted)
    }

    public func purgeQueue(_ name: String, owner: ConnectionID) throws(BrokerError) -> Int {
        try self.purgeQueue(name, owner: owner, access: self.trusted)
    }

    public func deleteQueue(
        _ name: String, ifUnused: Bool, ifEmpty: Bool, owner: ConnectionID
    ) throws(BrokerError) -> Int {
        try self.deleteQueue(name, ifUnused: ifUnused, ifEmpty: ifEmpty, owner: owner, access: self.trusted)
    }

    public func consume(
        queue: String, consumer: any MessageConsumer, tag: String, noAck: Bool, exclusive: Bool, prefetch: Int,
        sharedCredit: CreditPool?, arguments: FieldTable, owner: ConnectionID
    ) throws(BrokerError) -> Subscription {
        try self.consume(
            queue: queue, consumer: consumer, tag: tag, noAck: noAck, exclusive: exclusive, prefetch: prefetch,
            sharedCredit: sharedCredit, arguments: arguments, owner: owner, access: self.trusted)
    }

    public func get(
        queue: String, noAck: Bool, owner: ConnectionID
    ) throws(BrokerError) -> (
        delivery: Delivery, messageCount: Int
    )? {
        try self.get(queue: queue, noAck: noAck, owner: owner, access: self.trusted)
    }

    public func consumeStream(
        _ name: String, consumer: any StreamConsumer, tag: String, noAck: Bool, prefetch: Int, arguments: FieldTable,
        owner: ConnectionID
    ) throws(BrokerError) -> StreamSubscription {
        try self.consumeStream(
            name, consumer: consumer, tag: tag, noAck: noAck, prefetch: prefetch, arguments: arguments, owner: owner,
            access: self.trusted)
    }
}

extension Broker {
    /// Stores `name` (no password: the test authenticators decide logins) with every permission on
    /// "/", so the adapter under test gets an access context at login.
    public func grantEverything(to name: String, tags: [String] = []) throws(BrokerError) {
        if self.accessControl.user(named: name) == nil {
            try self.accessControl.putUser(UserAccount(name: name, passwordHash: "", tags: tags))
        }
        try self.setPermissions(user: name, virtualHost: "/", configure: ".*", write: ".*", read: ".*")
    }
}
