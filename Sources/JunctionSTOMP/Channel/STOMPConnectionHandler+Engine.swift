import JunctionCore
import JunctionModel
import JunctionSTOMPCodec
import JunctionTransport
import NIOCore

extension STOMPConnectionHandler {
    // MARK: - SEND

    func publish(_ request: STOMPSendRequest) throws(STOMPError) {
        guard let vhost = self.virtualHost else { return }
        guard let destination = STOMPDestination(request.destination) else {
            throw Self.unknownDestination(request.destination)
        }
        var properties = try STOMPMessageMapping.properties(from: request.frame.headers)
        do {
            try properties.checkUserID(publishedBy: self.user?.name ?? "")
        } catch {
            throw STOMPError(error)
        }
        // RabbitMQ rewrites a temp-queue reply-to to the real queue name, so an AMQP service can
        // answer by publishing to the default exchange with reply-to as the routing key.
        if let replyTo = properties.replyTo, case .tempQueue(let name)? = STOMPDestination(replyTo) {
            properties.replyTo = try self.tempQueue(name, subscribe: true)
        }
        let exchange: String
        let routingKey: String
        switch destination.publishTarget {
        case .route(let target, let key, let declaring):
            if let declaring { try self.declareDurableQueue(declaring, arguments: FieldTable()) }
            (exchange, routingKey) = (target, key)
        case .tempQueue(let name):
            (exchange, routingKey) = ("", try self.tempQueue(name, subscribe: true))
        }
        self.publishReceived()
        let durability = vhost.durability
        let mark = durability.mark()
        do {
            _ = try vhost.publish(
                Message(exchange: exchange, routingKey: routingKey, properties: properties, body: request.frame.body),
                access: self.access
            )
        } catch {
            throw STOMPError(error)
        }
        // A persistent message in a durable queue was appended to the store: a RECEIPT waits for it.
        switch durability.need(since: mark) {
        case .nothing: break
        case .notStored: throw STOMPError("internal_error", "the message could not be stored")
        case .sync(let ticket): self.storedTicket = ticket
        }
    }

    // MARK: - SUBSCRIBE / UNSUBSCRIBE

    /// Registers the subscription paused and returns it: the caller resumes it once the RECEIPT is written,
    /// so a subscriber that reads up to its receipt before taking MESSAGE frames (as RabbitMQ's ordering lets
    /// it) is not handed messages first. Nil when nothing was subscribed.
    func subscribe(_ request: STOMPSubscribeRequest) throws(STOMPError) -> STOMPConsumerSource? {
        guard let vhost = self.virtualHost else { return nil }
        let limit = vhost.maxConsumersPerChannel
        if limit > 0 && self.subscriptions.count >= limit {
            throw STOMPError("Too many subscriptions", "reached maximum (\(limit)) of subscriptions per connection")
        }
        guard let destination = STOMPDestination(request.destination) else {
            throw Self.unknownDestination(request.destination)
        }
        let queueName: String
        var namesPublishAddress = false
        switch destination.subscribeSource {
        case .declaredQueue(let name):
            if !vhost.isStream(name) {
                try self.declareDurableQueue(name, arguments: Self.queueArguments(request.headers))
            }
            queueName = name
        case .existingQueue(let name):
            guard vhost.queue(named: name) != nil else {
                throw STOMPError("not_found", "no queue '\(name)' in vhost '\(vhost.name)'")
            }
            queueName = name
        case .tempQueue(let name):
            queueName = try self.tempQueue(name, subscribe: false)
        case .binding(let exchange, let key):
            queueName = try self.subscriptionQueue(request, exchange: exchange, routingKey: key)
            namesPublishAddress = true
        }
        if vhost.isStream(queueName) {
            return try self.subscribeStream(request, vhost: vhost, destination: destination, queueName: queueName)
        }
        let subscription: Subscription
        do {
            subscription = try vhost.consume(
                queue: queueName,
                consumer: self,
                tag: request.id,
                noAck: request.ackMode == .auto,
                exclusive: request.exclusive,
                prefetch: request.prefetch,
                sharedCredit: nil,
                arguments: FieldTable(),
                owner: self.connectionID, access: self.access
            )
        } catch {
            throw STOMPError(error)
        }
        self.subscriptions[request.id] = ActiveSubscription(
            subscription: .queue(subscription),
            destination: destination,
            namesPublishAddress: namesPublishAddress,
            queueName: queueName
        )
        return .queue(subscription)
    }

    /// A stream consumer (RabbitMQ's rules): `ack:client` or `client-individual` and a
    /// `prefetch-count` > 0, else an ERROR; `x-stream-offset` says where to start and MESSAGE frames
    /// carry each message's offset in an `x-stream-offset` header.
    private func subscribeStream(
        _ request: STOMPSubscribeRequest,
        vhost: VirtualHost,
        destination: STOMPDestination,
        queueName: String
    ) throws(STOMPError) -> STOMPConsumerSource {
        let arguments = try STOMPStreamArguments.arguments(from: request.headers)
        let subscription: any StreamConsumerHandle
        do {
            subscription = try vhost.subscribeStream(
                queueName,
                consumer: self,
                tag: request.id,
                noAck: request.ackMode == .auto,
                prefetch: request.prefetch,
                arguments: arguments,
                owner: self.connectionID, access: self.access
            )
        } catch {
            throw STOMPError(error)
        }
        self.subscriptions[request.id] = ActiveSubscription(
            subscription: .stream(subscription),
            destination: destination,
            namesPublishAddress: false,
            queueName: queueName
        )
        return .stream(subscription)
    }

    func unsubscribe(_ id: String, deleteDurableQueue: Bool) throws(STOMPError) {
        guard let active = self.subscriptions.removeValue(forKey: id) else { return }
        active.subscription.cancel()
        self.unacked.removeAll(subscription: id).reject(requeue: true)
        if deleteDurableQueue, let vhost = self.virtualHost {
            do {
                _ = try vhost.deleteQueue(
                    active.queueName, ifUnused: false, ifEmpty: false, owner: self.connectionID, access: self.access)
            } catch {
                throw STOMPError(error)
            }
        }
    }

    /// A topic or exchange subscription's own queue, bound to the exchange: server-named, exclusive and
    /// auto-delete; or, for a durable subscription, `stomp-subscription-<id>`, which outlives the connection.
    private func subscriptionQueue(
        _ request: STOMPSubscribeRequest,
        exchange: String,
        routingKey: String
    ) throws(STOMPError) -> String {
        guard let vhost = self.virtualHost else { throw STOMPError("not_found", "no virtual host") }
        do throws(BrokerError) {
            let name: String
            if request.durable {
                name = try vhost.declareQueue(
                    STOMPDestination.durableSubscriptionQueue(id: request.id),
                    durable: true,
                    exclusive: false,
                    autoDelete: false,
                    arguments: FieldTable(),
                    passive: false,
                    owner: self.connectionID, access: self.access
                ).queue
            } else {
                name = try vhost.declareQueue(
                    "",
                    durable: false,
                    exclusive: true,
                    autoDelete: true,
                    arguments: FieldTable(),
                    passive: false,
                    owner: self.connectionID, access: self.access
                ).queue
            }
            do throws(BrokerError) {
                try vhost.bindQueue(
                    name, exchange: exchange, routingKey: routingKey, arguments: FieldTable(), owner: self.connectionID,
                    access: self.access)
            } catch {
                if !request.durable {
                    _ = try? vhost.deleteQueue(
                        name, ifUnused: false, ifEmpty: false, owner: self.connectionID, access: self.access)
                }
                throw error
            }
            return name
        } catch {
            throw STOMPError(error)
        }
    }

    /// Declares `/queue/<name>` on first use. An existing queue is used as it is (one lookup per SEND),
    /// unless SUBSCRIBE passed `x-` arguments, which are then checked against it.
    private func declareDurableQueue(_ name: String, arguments: FieldTable) throws(STOMPError) {
        guard let vhost = self.virtualHost else { return }
        if arguments.isEmpty, let existing = vhost.queue(named: name) {
            if let owner = existing.exclusiveOwner, owner != self.connectionID {
                throw STOMPError(BrokerError.resourceLocked("queue '\(name)' is exclusive to another connection"))
            }
            // `/queue/` declares the queue (RabbitMQ's STOMP does on every use), so it needs
            // `configure` on it even when it exists; the context caches the decision.
            do {
                try self.access.authorize(.configure, .queue, name)
            } catch {
                throw STOMPError(error)
            }
            return
        }
        do {
            _ = try vhost.declareQueue(
                name,
                durable: true,
                exclusive: false,
                autoDelete: false,
                arguments: arguments,
                passive: false,
                owner: self.connectionID, access: self.access
            )
        } catch {
            throw STOMPError(error)
        }
    }

    /// The server-named exclusive queue behind `/temp-queue/<name>`, created on first use. With
    /// `subscribe`, replies are delivered on a subscription whose id is the temp-queue destination
    /// (RabbitMQ's behaviour), unless the client subscribed to it itself.
    func tempQueue(_ name: String, subscribe: Bool) throws(STOMPError) -> String {
        guard let vhost = self.virtualHost else { throw STOMPError("not_found", "no virtual host") }
        if let existing = self.tempQueues[name], vhost.queue(named: existing) != nil { return existing }
        let queueName: String
        do {
            queueName = try vhost.declareQueue(
                "",
                durable: false,
                exclusive: true,
                autoDelete: false,
                arguments: FieldTable(),
                passive: false,
                owner: self.connectionID, access: self.access
            ).queue
        } catch {
            throw STOMPError(error)
        }
        self.tempQueues[name] = queueName
        let id = STOMPDestination.tempQueue(name).text
        if subscribe && self.subscriptions[id] == nil {
            try self.subscribe(
                STOMPSubscribeRequest(
                    id: id,
                    destination: id,
                    ackMode: .auto,
                    prefetch: 0,
                    durable: false,
                    exclusive: false,
                    headers: STOMPHeaders()
                )
            )?.resume()
        }
        return queueName
    }

    /// `x-` headers of a SUBSCRIBE that name a queue argument become queue arguments (RabbitMQ:
    /// `x-queue-type`, `x-max-length`, …; the list is `QueueArgumentTable`); other headers are not
    /// arguments. Integers are passed as integers.
    static func queueArguments(_ headers: STOMPHeaders) -> FieldTable {
        var table = FieldTable()
        for entry in headers
        where QueueArgumentTable.knows(entry.name) && !Self.consumerHeaders.contains(entry.name)
            && table[entry.name] == nil
        {
            table[entry.name] = Int64(entry.value).map { .int64($0) } ?? .string(entry.value)
        }
        return table
    }

    /// `x-` headers that configure the consumer, not the queue.
    static let consumerHeaders: Set<String> = ["x-stream-offset", "x-consumer-group"]

    private static func unknownDestination(_ text: String) -> STOMPError {
        STOMPError(
            "Unknown destination",
            "'\(text)' is not /queue/, /topic/, /exchange/, /amq/queue/, /temp-queue/ or /reply-queue/"
                + " followed by a name"
        )
    }

    // MARK: - ACK / NACK

    func settle(_ request: STOMPSettleRequest) {
        let entries = self.unacked.settle(request.ackID, cumulative: request.ackMode == .client)
        if request.accept {
            entries.acknowledge()
        } else {
            entries.reject(requeue: request.requeue)
        }
    }

    // MARK: - Teardown

    /// The session ended: subscriptions go, unacked deliveries return to their queues.
    func tearDown() {
        let subscriptions = self.subscriptions.values
        self.subscriptions.removeAll()
        for active in subscriptions {
            active.subscription.cancel()
        }
        self.unacked.removeAll().reject(requeue: true)
    }
}

// MARK: - MessageConsumer

extension STOMPConnectionHandler {
    var isReadyForDeliveries: Bool {
        self.stateMachine.isConnected && self.output.isBelowHighWaterMark
            && (self.context?.channel.isWritable ?? false)
    }

    func deliver(_ delivery: Delivery, subscription: Subscription) {
        guard let active = self.subscriptions[subscription.tag] else {
            if !subscription.noAck { delivery.queue.reject([delivery.id], requeue: true) }
            return
        }
        let ackID: String?
        let messageID: String
        if subscription.noAck {
            self.autoMessageCounter += 1
            ackID = nil
            messageID = "\(subscription.tag)@@auto-\(self.autoMessageCounter)"
        } else {
            ackID = self.unacked.add(Unacked(source: delivery.queue, id: delivery.id), subscription: subscription.tag)
            messageID = ackID!
        }
        let destination =
            active.namesPublishAddress
            ? STOMPDestination.of(exchange: delivery.message.exchange, routingKey: delivery.message.routingKey).text
            : active.destination.text
        STOMPMessageMapping.writeMessage(
            into: &self.output.buffer,
            message: delivery.message,
            destination: destination,
            subscription: subscription.tag,
            messageID: messageID,
            ackID: ackID,
            redelivered: delivery.redelivered,
            version: self.stateMachine.version
        )
        self.scheduleFlush()
    }

    func consumerCancelled(subscription: Subscription) {
        guard self.subscriptions.removeValue(forKey: subscription.tag) != nil else { return }
        self.unacked.removeAll(subscription: subscription.tag).reject(requeue: true)
        self.run(
            self.stateMachine.fail(
                STOMPError("Subscription cancelled", "the queue of subscription '\(subscription.tag)' was deleted")
            )
        )
    }
}

// MARK: - StreamConsumer

extension STOMPConnectionHandler: StreamConsumer {
    /// Stream deliveries are always acknowledged by the client (`redelivered` when a rewind or the
    /// group's former member had them); the message's offset goes out as the `x-stream-offset`
    /// header, as in RabbitMQ.
    func deliver(_ delivery: StreamDelivery) {
        let tag = delivery.subscription.tag
        guard let active = self.subscriptions[tag] else {
            delivery.subscription.settle(rejected: [delivery.id], requeue: true)
            return
        }
        let ackID = self.unacked.add(Unacked(source: delivery.subscription, id: delivery.id), subscription: tag)
        var message = delivery.message
        var headers = message.properties.headers ?? FieldTable()
        headers["x-stream-offset"] = .int64(delivery.offset)
        if let partition = delivery.partition { headers["x-partition"] = .int64(Int64(partition)) }
        message.properties.headers = headers
        STOMPMessageMapping.writeMessage(
            into: &self.output.buffer,
            message: message,
            destination: active.destination.text,
            subscription: tag,
            messageID: ackID,
            ackID: ackID,
            redelivered: delivery.redelivered,
            version: self.stateMachine.version
        )
        self.scheduleFlush()
    }

    func consumerCancelled(subscription: StreamSubscription) {
        guard self.subscriptions.removeValue(forKey: subscription.tag) != nil else { return }
        self.unacked.removeAll(subscription: subscription.tag).reject(requeue: false)
        self.run(
            self.stateMachine.fail(
                STOMPError("Subscription cancelled", "the stream of subscription '\(subscription.tag)' was deleted")
            )
        )
    }
}
