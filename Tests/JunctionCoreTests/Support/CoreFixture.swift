import JunctionCore
import JunctionCoreTestSupport
import JunctionModel
import Logging
import NIOCore

/// A broker on a manual clock with helpers that keep tests short.
final class CoreFixture {
    let clock = ManualBrokerClock()
    let store: InMemoryQueueStore
    let broker: Broker
    let vhost: VirtualHost
    static let owner = ConnectionID(1)
    static let other = ConnectionID(2)

    init(
        store: InMemoryQueueStore = InMemoryQueueStore(), configuration: BrokerConfiguration = .init(),
        spillRoot: String? = nil
    ) {
        self.store = store
        self.broker = Broker(
            configuration: configuration, clock: self.clock, logger: Logger(label: "core-tests"), queueStore: store,
            spillRoot: spillRoot)
        self.vhost = self.broker.virtualHost("/")!
    }

    @discardableResult
    func declareQueue(
        _ name: String,
        durable: Bool = false,
        exclusive: Bool = false,
        autoDelete: Bool = false,
        arguments: FieldTable = [:],
        owner: ConnectionID = CoreFixture.owner
    ) throws(BrokerError) -> QueueDeclareOK {
        try self.vhost.declareQueue(
            name,
            durable: durable,
            exclusive: exclusive,
            autoDelete: autoDelete,
            arguments: arguments,
            passive: false,
            owner: owner
        )
    }

    func declareExchange(
        _ name: String,
        type: String,
        autoDelete: Bool = false,
        internal: Bool = false,
        arguments: FieldTable = [:]
    ) throws(BrokerError) {
        try self.vhost.declareExchange(
            name,
            type: type,
            durable: false,
            autoDelete: autoDelete,
            internal: `internal`,
            arguments: arguments,
            passive: false
        )
    }

    func bind(_ queue: String, _ exchange: String, _ key: String, _ arguments: FieldTable = [:]) throws(BrokerError) {
        try self.vhost.bindQueue(queue, exchange: exchange, routingKey: key, arguments: arguments, owner: Self.owner)
    }

    @discardableResult
    func publish(
        _ exchange: String,
        _ key: String,
        _ body: String = "m",
        properties: MessageProperties = MessageProperties()
    ) throws(BrokerError) -> PublishOutcome {
        try self.vhost.publish(
            Message(exchange: exchange, routingKey: key, properties: properties, body: ByteBuffer(string: body))
        )
    }

    func consume(
        _ queue: String,
        _ consumer: RecordingConsumer,
        tag: String = "c",
        noAck: Bool = false,
        exclusive: Bool = false,
        prefetch: Int = 0,
        pool: CreditPool? = nil,
        owner: ConnectionID = CoreFixture.owner
    ) throws(BrokerError) -> Subscription {
        let subscription = try self.vhost.consume(
            queue: queue,
            consumer: consumer,
            tag: tag,
            noAck: noAck,
            exclusive: exclusive,
            prefetch: prefetch,
            sharedCredit: pool,
            arguments: [:],
            owner: owner
        )
        subscription.resume()
        return subscription
    }

    func get(_ queue: String, noAck: Bool = false) throws(BrokerError) -> (delivery: Delivery, messageCount: Int)? {
        try self.vhost.get(queue: queue, noAck: noAck, owner: Self.owner)
    }

    func getBody(_ queue: String) throws(BrokerError) -> String? {
        guard let result = try self.get(queue, noAck: true) else { return nil }
        return String(buffer: result.delivery.message.body)
    }

    /// Drains the queue with noAck gets and returns the bodies.
    func drain(_ queue: String) throws(BrokerError) -> [String] {
        var bodies: [String] = []
        while let body = try self.getBody(queue) { bodies.append(body) }
        return bodies
    }
}
