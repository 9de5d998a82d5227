import Benchmark
import BenchmarkSupport
import JunctionCore
import JunctionModel
import Logging
import NIOCore

/// The engine without sockets, driven the way the protocol adapters drive it: synchronous calls on one
/// thread, deliveries handed to a `MessageConsumer`. One operation is one published message.
let benchmarks: @Sendable () -> Void = {
    JunctionBenchmarkConfiguration.apply()
    let body = ByteBuffer(repeating: 0x61, count: 128)

    // Routing: each publish reaches one queue, whose noAck consumer takes it at once (the queue's
    // hand-off path, no deque), so the figures are route + hand-off; compare with the default
    // exchange for the routing share. The 10,000 other bindings each lead to a queue of their own.
    let routes: [(label: String, type: String, bindingKey: String, others: Bool, cache: Bool)] = [
        ("topic, 1 binding, trie walk (route cache off)", "topic", "device.target.*", false, false),
        ("topic, 1 matching of 10,001 bindings, trie walk (route cache off)", "topic", "device.target.*", true, false),
        ("topic, 1 matching of 10,001 bindings, route cache hit", "topic", "device.target.*", true, true),
        ("direct, 1 matching of 10,001 bindings", "direct", "device.target.reading", true, true),
    ]
    for route in routes {
        let message = Message(exchange: "bench", routingKey: "device.target.reading", body: body)
        Benchmark(
            "Router \(route.label)",
            closure: { (benchmark: Benchmark, engine: BenchEngine) in
                for _ in benchmark.scaledIterations {
                    blackHole(try! engine.vhost.publish(message, access: engine.access))
                }
                precondition(engine.consumer.deliveryCount > 0)
            },
            setup: {
                let engine = BenchEngine(topicRouteCache: route.cache)
                try engine.declareExchange("bench", type: route.type)
                try engine.declareQueue("target")
                try engine.vhost.bindQueue(
                    "target", exchange: "bench", routingKey: route.bindingKey, arguments: [:], owner: BenchEngine.owner,
                    access: engine.access)
                if route.others {
                    for index in 0..<10_000 {
                        // Topic: half exact keys, half with a trailing wildcard. None matches device.target.reading.
                        let wildcard = route.type == "topic" && !index.isMultiple(of: 2)
                        let key = wildcard ? "device.\(index).*" : "device.\(index).reading"
                        try engine.declareQueue("q\(index)")
                        try engine.vhost.bindQueue(
                            "q\(index)", exchange: "bench", routingKey: key, arguments: [:], owner: BenchEngine.owner,
                            access: engine.access)
                    }
                }
                _ = try engine.consume("target", noAck: true)
                return engine
            }
        )
    }

    Benchmark(
        "Router default exchange (queue named by the routing key)",
        closure: { (benchmark: Benchmark, engine: BenchEngine) in
            let message = Message(exchange: "", routingKey: "target", body: body)
            for _ in benchmark.scaledIterations {
                blackHole(try! engine.vhost.publish(message, access: engine.access))
            }
        },
        setup: {
            let engine = BenchEngine(topicRouteCache: true)
            try engine.declareQueue("target")
            _ = try engine.consume("target", noAck: true)
            return engine
        }
    )

    // The whole path of an acknowledged message with a consumer waiting: publish, route (default
    // exchange), hand-off to the consumer, then its ack.
    Benchmark(
        "Engine publish → deliver → ack (consumer waiting)",
        closure: { (benchmark: Benchmark, engine: BenchEngine) in
            let message = Message(exchange: "", routingKey: "target", body: body)
            let queue = engine.vhost.queue(named: "target")!
            for _ in benchmark.scaledIterations {
                _ = try! engine.vhost.publish(message, access: engine.access)
                queue.ack(CollectionOfOne(engine.consumer.lastID))
            }
            precondition(queue.unackedCount == 0 && queue.readyCount == 0)
        },
        setup: {
            let engine = BenchEngine(topicRouteCache: true)
            try engine.declareQueue("target")
            _ = try engine.consume("target", noAck: false)
            return engine
        }
    )

    // The same with a backlog: 1,000 publishes while the consumer is not writable (enqueued in the
    // queue's deque), then it becomes writable and takes them all, then acks each one.
    Benchmark(
        "Engine publish → enqueue → deliver → ack (backlog of 1,000)",
        closure: { (benchmark: Benchmark, engine: BenchEngine) in
            let message = Message(exchange: "", routingKey: "target", body: body)
            let queue = engine.vhost.queue(named: "target")!
            engine.consumer.isReadyForDeliveries = false
            for _ in benchmark.scaledIterations {
                _ = try! engine.vhost.publish(message, access: engine.access)
            }
            engine.consumer.isReadyForDeliveries = true
            engine.subscription!.resume()
            for id in engine.consumer.ids {
                queue.ack(CollectionOfOne(id))
            }
            precondition(queue.unackedCount == 0 && queue.readyCount == 0)
            engine.consumer.ids.removeAll(keepingCapacity: true)
        },
        setup: {
            let engine = BenchEngine(topicRouteCache: true)
            try engine.declareQueue("target")
            engine.subscription = try engine.consume("target", noAck: false)
            engine.consumer.ids.reserveCapacity(JunctionBenchmarkConfiguration.scalingFactor.rawValue)
            return engine
        }
    )
}

/// A broker with its default virtual host and one consumer.
final class BenchEngine {
    static let owner = ConnectionID(1)
    let broker: Broker
    let vhost: VirtualHost
    let consumer = BenchConsumer()
    var subscription: Subscription?
    /// A user with `.*` permissions, as an adapter's connection would hold: publishes pay the check.
    let access: AccessContext

    init(topicRouteCache: Bool) {
        var configuration = BrokerConfiguration()
        if !topicRouteCache { configuration.topicRouteCacheCapacity = 0 }
        var logger = Logger(label: "junction.benchmarks")
        logger.logLevel = .warning
        self.broker = Broker(configuration: configuration, clock: ManualBrokerClock(), logger: logger)
        self.vhost = self.broker.virtualHost(configuration.defaultVirtualHost)!
        try! self.broker.accessControl.putUser(UserAccount(name: "bench", passwordHash: "", tags: []))
        try! self.broker.setPermissions(user: "bench", virtualHost: "/", configure: ".*", write: ".*", read: ".*")
        self.access = try! self.broker.accessContext(user: "bench", virtualHost: "/")
    }

    func declareExchange(_ name: String, type: String) throws(BrokerError) {
        try self.vhost.declareExchange(
            name, type: type, durable: false, autoDelete: false, internal: false, arguments: [:], passive: false,
            access: self.access)
    }

    func declareQueue(_ name: String) throws(BrokerError) {
        _ = try self.vhost.declareQueue(
            name, durable: false, exclusive: false, autoDelete: false, arguments: [:], passive: false,
            owner: Self.owner, access: self.access)
    }

    func consume(_ queue: String, noAck: Bool) throws(BrokerError) -> Subscription {
        let subscription = try self.vhost.consume(
            queue: queue, consumer: self.consumer, tag: "bench", noAck: noAck, exclusive: false, prefetch: 0,
            sharedCredit: nil, arguments: [:], owner: Self.owner, access: self.access)
        subscription.resume()
        return subscription
    }
}

/// A consumer that keeps only what the benchmark needs to ack: no per-delivery allocation of its own
/// (`ids` is reserved up front).
final class BenchConsumer: MessageConsumer {
    var isReadyForDeliveries = true
    private(set) var deliveryCount = 0
    private(set) var lastID = DeliveryID(0)
    var ids: [DeliveryID] = []

    func deliver(_ delivery: Delivery, subscription: Subscription) {
        self.deliveryCount += 1
        self.lastID = delivery.id
        if !subscription.noAck && self.ids.capacity > self.ids.count { self.ids.append(delivery.id) }
    }

    func consumerCancelled(subscription: Subscription) {}
}
