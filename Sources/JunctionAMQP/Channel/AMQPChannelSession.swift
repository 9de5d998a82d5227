import JunctionAMQPCodec
import JunctionCore
import JunctionModel
import JunctionTransport
import NIOCore

/// One open AMQP channel: carries out its methods against the broker engine, is the engine's
/// consumer for its subscriptions, and keeps the channel's delivery tags, confirms and transaction.
/// Frame sequencing is the pure `AMQPChannelStateMachine`; this class only applies its actions.
final class AMQPChannelSession: MessageConsumer {
    /// A classic queue or a stream consumer, and the delivery's id there.
    typealias Unacked = HeldDelivery

    /// An ack/nack/reject inside a transaction: checked when received, applied at commit (spec: tx class).
    enum PendingSettlement {
        case ack(tag: UInt64, multiple: Bool)
        case reject(tag: UInt64, multiple: Bool, requeue: Bool)
    }

    let channelID: AMQPChannelID
    unowned let connection: AMQPConnectionHandler
    /// The connection's output, held directly: deliveries and replies write here without touching the connection.
    let output: AMQPOutput
    let virtualHost: VirtualHost
    let user: AuthenticatedUser
    /// Every engine call of this channel is checked against it; its decisions are cached here.
    let access: AccessContext
    var stateMachine: AMQPChannelStateMachine
    private(set) var isReleased = false

    private var subscriptions: [String: Subscription] = [:]
    private var streamSubscriptions: [String: any StreamConsumerHandle] = [:]
    var unacked = AMQPUnackedDeliveries<Unacked>()
    /// basic.qos global=true: one credit pool for all consumers of this channel (RabbitMQ semantics).
    private let channelCredit = CreditPool(limit: 0)
    /// basic.qos global=false: the prefetch given to consumers created afterwards.
    private var consumerPrefetch = 0
    private var flowActive = true
    /// Direct reply-to: the consumer tag of this channel's `amq.rabbitmq.reply-to` consumer and the
    /// address replies to it use (`AMQPChannelSession+DirectReplyTo`).
    var replyConsumer: (tag: String, address: String)?
    /// Deliveries made while basic.consume runs are held until consume-ok has been written.
    private var heldDeliveries: [(Delivery, Subscription)]?

    var confirms = AMQPPublisherConfirms()
    var transactionPublishes: [(AMQPBasicPublish, AMQPContentHeader, ByteBuffer)] = []
    /// Body bytes in `transactionPublishes`, against `limits.max_transaction_bytes`.
    var transactionBytes = 0
    var transactionSettlements: [PendingSettlement] = []

    init(
        channelID: AMQPChannelID, connection: AMQPConnectionHandler, virtualHost: VirtualHost, user: AuthenticatedUser,
        access: AccessContext
    ) {
        self.access = access
        self.channelID = channelID
        self.connection = connection
        self.output = connection.output
        self.virtualHost = virtualHost
        self.user = user
        self.stateMachine = AMQPChannelStateMachine(maxMessageSize: connection.configuration.maxMessageSize)
    }

    // MARK: - Frames

    func frameReceived(_ frame: AMQPFrame) {
        self.apply(self.stateMachine.frameReceived(frame))
    }

    private func apply(_ action: AMQPChannelAction) {
        switch action {
        case .none:
            break
        case .sendOpenOk:
            self.send(.channelOpenOk)
        case .sendCloseOk:
            self.tearDown()
            self.send(.channelCloseOk)
            self.isReleased = true
        case .released:
            self.isReleased = true
        case .sendClose(let error):
            self.tearDown()
            self.send(
                .channelClose(
                    AMQPChannelClose(
                        replyCode: error.code.rawValue,
                        replyText: error.text,
                        classID: error.classID,
                        methodID: error.methodID
                    )
                )
            )
        case .closeConnection(let error):
            self.connection.fail(error)
        case .publish(let method, let header, let body):
            self.publishReceived(method, header: header, body: body)
        case .execute(let method):
            do throws(AMQPError) {
                try self.execute(method)
            } catch {
                self.raise(error)
            }
        }
    }

    /// Soft errors close this channel; hard errors the connection.
    func raise(_ error: AMQPError) {
        if error.closesConnection {
            self.connection.fail(error)
        } else {
            self.apply(self.stateMachine.fail(error))
        }
    }

    func send(_ method: AMQPMethod) {
        self.output.method(self.channelID, method)
        self.output.sink.scheduleFlush()
    }

    // MARK: - Methods

    private func execute(_ method: AMQPMethod) throws(AMQPError) {
        switch method {
        case .channelFlow(let flow):
            self.flowActive = flow.active
            self.send(.channelFlowOk(active: flow.active))
            if flow.active { self.resumeDeliveries() }
        case .channelFlowOk:
            break

        case .exchangeDeclare, .exchangeDelete, .exchangeBind, .exchangeUnbind, .queueDeclare, .queueBind,
            .queueUnbind, .queuePurge, .queueDelete:
            try self.executeTopology(method)

        case .basicQos(let qos):
            guard qos.prefetchSize == 0 else {
                throw AMQPError(.notImplemented, "prefetch_size!=0 (\(qos.prefetchSize))", classID: 60, methodID: 10)
            }
            // qos-ok first: a larger global limit delivers at once, and deliveries must follow the reply.
            self.send(.basicQosOk)
            if qos.global {
                self.channelCredit.limit = Int(qos.prefetchCount)
            } else {
                self.consumerPrefetch = Int(qos.prefetchCount)
            }
        case .basicConsume(let consume):
            try self.consume(consume, method: method)
        case .basicCancel(let cancel):
            if let subscription = self.subscriptions.removeValue(forKey: cancel.consumerTag) {
                subscription.cancel()
            }
            if let subscription = self.streamSubscriptions.removeValue(forKey: cancel.consumerTag) {
                subscription.cancel()
            }
            if self.replyConsumer?.tag == cancel.consumerTag { self.stopReplies() }
            if !cancel.noWait { self.send(.basicCancelOk(consumerTag: cancel.consumerTag)) }
        case .basicGet(let get):
            try self.get(get, method: method)
        case .basicAck(let ack):
            if self.stateMachine.mode == .transactional {
                try self.checkTag(ack.deliveryTag, multiple: ack.multiple, method: method)
                self.transactionSettlements.append(.ack(tag: ack.deliveryTag, multiple: ack.multiple))
            } else {
                try self.settle(tag: ack.deliveryTag, multiple: ack.multiple, method: method).acknowledge()
            }
        case .basicReject(let reject):
            try self.reject(tag: reject.deliveryTag, multiple: false, requeue: reject.requeue, method: method)
        case .basicNack(let nack):
            try self.reject(tag: nack.deliveryTag, multiple: nack.multiple, requeue: nack.requeue, method: method)
        case .basicRecover, .basicRecoverAsync:
            // RabbitMQ requeues in both cases: redelivery to the same consumer is not offered.
            self.unacked.removeAll().reject(requeue: true)
            if case .basicRecover = method { self.send(.basicRecoverOk) }

        case .confirmSelect(let noWait):
            try self.stateMachine.selectConfirmMode()
            if !noWait { self.send(.confirmSelectOk) }

        case .txSelect:
            try self.stateMachine.selectTransactionMode()
            self.send(.txSelectOk)
        case .txCommit:
            try self.stateMachine.requireTransactionMode(methodID: 20)
            self.commitTransaction()
        case .txRollback:
            try self.stateMachine.requireTransactionMode(methodID: 30)
            self.rollbackTransaction()
            self.send(.txRollbackOk)

        case .channelOpen, .channelClose, .channelCloseOk, .basicPublish:
            // Sequenced by the state machine; never executed here.
            break
        case .connectionStart, .connectionStartOk, .connectionSecure, .connectionSecureOk, .connectionTune,
            .connectionTuneOk, .connectionOpen, .connectionOpenOk, .connectionClose, .connectionCloseOk,
            .connectionBlocked, .connectionUnblocked, .connectionUpdateSecret, .connectionUpdateSecretOk:
            throw AMQPError(
                .commandInvalid,
                "connection method on channel \(self.channelID.rawValue)",
                classID: method.classID,
                methodID: method.methodID
            )
        case .channelOpenOk, .exchangeDeclareOk, .exchangeDeleteOk, .exchangeBindOk, .exchangeUnbindOk,
            .queueDeclareOk, .queueBindOk, .queuePurgeOk, .queueDeleteOk, .queueUnbindOk, .basicQosOk,
            .basicConsumeOk, .basicCancelOk, .basicReturn, .basicDeliver, .basicGetOk, .basicGetEmpty,
            .basicRecoverOk, .confirmSelectOk, .txSelectOk, .txCommitOk, .txRollbackOk:
            throw AMQPError(
                .commandInvalid,
                "method \(method.classID).\(method.methodID) is sent by servers only",
                classID: method.classID,
                methodID: method.methodID
            )
        }
    }

    /// Runs an engine call, turning its `BrokerError` into this method's AMQP error.
    func engine<T>(_ method: AMQPMethod, _ body: () throws -> T) throws(AMQPError) -> T {
        do {
            return try body()
        } catch let error as BrokerError {
            throw AMQPError(error, classID: method.classID, methodID: method.methodID)
        } catch {
            throw AMQPError(.internalError, "\(error)", classID: method.classID, methodID: method.methodID)
        }
    }

    private func consume(_ consume: AMQPBasicConsume, method: AMQPMethod) throws(AMQPError) {
        let tag = consume.consumerTag.isEmpty ? Self.generatedConsumerTag() : consume.consumerTag
        guard self.subscriptions[tag] == nil, self.streamSubscriptions[tag] == nil else {
            throw AMQPError(.notAllowed, "attempt to reuse consumer tag '\(tag)'", classID: 60, methodID: 20)
        }
        let limit = self.virtualHost.maxConsumersPerChannel
        if limit > 0 && self.subscriptions.count + self.streamSubscriptions.count >= limit {
            throw AMQPError(
                .notAllowed, "reached maximum (\(limit)) of consumers per channel", classID: 60, methodID: 20)
        }
        if consume.queue == DirectReplyTo.pseudoQueue {
            try self.consumeReplies(consume, tag: tag)
            return
        }
        if self.virtualHost.isStream(consume.queue) {
            try self.consumeStream(consume, tag: tag, method: method)
            return
        }
        self.heldDeliveries = []
        defer { self.heldDeliveries = nil }
        let subscription = try self.engine(method) {
            try self.virtualHost.consume(
                queue: consume.queue,
                consumer: self,
                tag: tag,
                noAck: consume.noAck,
                exclusive: consume.exclusive,
                prefetch: self.consumerPrefetch,
                sharedCredit: self.channelCredit,
                arguments: consume.arguments,
                owner: self.connection.connectionID, access: self.access
            )
        }
        self.subscriptions[tag] = subscription
        if !consume.noWait { self.send(.basicConsumeOk(consumerTag: tag)) }
        let held = self.heldDeliveries ?? []
        self.heldDeliveries = nil
        for (delivery, subscription) in held {
            self.write(delivery, subscription: subscription)
        }
        // Messages already waiting in the queue go out now, after consume-ok.
        subscription.resume()
    }

    /// A stream consumer: its credit is the consumer prefetch (else the channel's global one).
    private func consumeStream(_ consume: AMQPBasicConsume, tag: String, method: AMQPMethod) throws(AMQPError) {
        let prefetch = self.consumerPrefetch != 0 ? self.consumerPrefetch : self.channelCredit.limit
        let subscription = try self.engine(method) {
            try self.virtualHost.subscribeStream(
                consume.queue,
                consumer: self,
                tag: tag,
                noAck: consume.noAck,
                prefetch: prefetch,
                arguments: consume.arguments,
                owner: self.connection.connectionID, access: self.access
            )
        }
        self.streamSubscriptions[tag] = subscription
        if !consume.noWait { self.send(.basicConsumeOk(consumerTag: tag)) }
        subscription.resume()
    }

    private func get(_ get: AMQPBasicGet, method: AMQPMethod) throws(AMQPError) {
        let owner = self.connection.connectionID
        guard
            let (delivery, remaining) = try self.engine(
                method,
                {
                    try self.virtualHost.get(queue: get.queue, noAck: get.noAck, owner: owner, access: self.access)
                })
        else {
            self.send(.basicGetEmpty)
            return
        }
        let tag = self.unacked.nextTag(for: Unacked(source: delivery.queue, id: delivery.id), track: !get.noAck)
        self.send(
            .basicGetOk(
                AMQPBasicGetOk(
                    deliveryTag: tag,
                    redelivered: delivery.redelivered,
                    exchange: delivery.message.exchange,
                    routingKey: delivery.message.routingKey,
                    messageCount: UInt32(clamping: remaining)
                )
            )
        )
        self.output.content(
            self.channelID, properties: delivery.propertiesWithDeliveryCount ?? delivery.message.properties,
            body: delivery.message.body)
    }

    private func settle(tag: UInt64, multiple: Bool, method: AMQPMethod) throws(AMQPError) -> [Unacked] {
        guard let settled = self.unacked.settle(tag: tag, multiple: multiple) else {
            throw AMQPError(
                .preconditionFailed,
                "unknown delivery tag \(tag)",
                classID: method.classID,
                methodID: method.methodID
            )
        }
        return settled
    }

    private func reject(tag: UInt64, multiple: Bool, requeue: Bool, method: AMQPMethod) throws(AMQPError) {
        if self.stateMachine.mode == .transactional {
            try self.checkTag(tag, multiple: multiple, method: method)
            self.transactionSettlements.append(.reject(tag: tag, multiple: multiple, requeue: requeue))
        } else {
            try self.settle(tag: tag, multiple: multiple, method: method).reject(requeue: requeue)
        }
    }

    private func checkTag(_ tag: UInt64, multiple: Bool, method: AMQPMethod) throws(AMQPError) {
        guard self.unacked.contains(tag: tag, multiple: multiple) else {
            throw AMQPError(
                .preconditionFailed,
                "unknown delivery tag \(tag)",
                classID: method.classID,
                methodID: method.methodID
            )
        }
    }

    // MARK: - MessageConsumer

    var isReadyForDeliveries: Bool {
        self.flowActive && self.stateMachine.isOpen && self.output.isWritable && self.output.sink.isBelowHighWaterMark
    }

    func deliver(_ delivery: Delivery, subscription: Subscription) {
        if self.heldDeliveries != nil {
            self.heldDeliveries!.append((delivery, subscription))
            return
        }
        self.write(delivery, subscription: subscription)
    }

    private func write(_ delivery: Delivery, subscription: Subscription) {
        let tag = self.unacked.nextTag(
            for: Unacked(source: delivery.queue, id: delivery.id), track: !subscription.noAck)
        self.output.delivery(
            self.channelID, consumerTag: subscription.tag, deliveryTag: tag, redelivered: delivery.redelivered,
            message: delivery.message, properties: delivery.propertiesWithDeliveryCount)
        self.output.sink.scheduleFlush()
    }

    func consumerCancelled(subscription: Subscription) {
        guard self.subscriptions.removeValue(forKey: subscription.tag) != nil else { return }
        if self.connection.clientSupportsCancelNotify && self.stateMachine.isOpen {
            self.send(.basicCancel(AMQPBasicCancel(consumerTag: subscription.tag, noWait: true)))
        }
    }

    func resumeDeliveries() {
        for subscription in self.subscriptions.values {
            subscription.resume()
        }
        for subscription in self.streamSubscriptions.values {
            subscription.resume()
        }
    }

    // MARK: - Teardown

    /// The channel or its connection closed: consumers go, unacked deliveries return to their queues.
    func tearDown() {
        let subscriptions = self.subscriptions.values
        self.subscriptions.removeAll()
        for subscription in subscriptions {
            subscription.cancel()
        }
        let streamSubscriptions = self.streamSubscriptions.values
        self.streamSubscriptions.removeAll()
        for subscription in streamSubscriptions {
            subscription.cancel()
        }
        self.unacked.removeAll().reject(requeue: true)
        self.stopReplies()
        self.transactionPublishes.removeAll()
        self.transactionBytes = 0
        self.transactionSettlements.removeAll()
        self.virtualHost.durability.stopWaiting(self)
    }

    private static func generatedConsumerTag() -> String {
        var generator = SystemRandomNumberGenerator()
        let bytes = (0..<16).map { _ in UInt8.random(in: 0...255, using: &generator) }
        let hex = bytes.map { String($0, radix: 16) }.joined()
        return "amq.ctag-\(hex)"
    }
}

extension AMQPChannelSession: StreamConsumer {
    /// Like a queue delivery, with the message's stream offset in the `x-stream-offset` header (long).
    func deliver(_ delivery: StreamDelivery) {
        let tag = self.unacked.nextTag(for: Unacked(source: delivery.subscription, id: delivery.id), track: true)
        var properties = delivery.message.properties
        var headers = properties.headers ?? [:]
        headers["x-stream-offset"] = .int64(delivery.offset)
        if let partition = delivery.partition { headers["x-partition"] = .int64(Int64(partition)) }
        properties.headers = headers
        self.output.delivery(
            self.channelID, consumerTag: delivery.subscription.tag, deliveryTag: tag, redelivered: delivery.redelivered,
            message: delivery.message, properties: properties)
        self.output.sink.scheduleFlush()
    }

    func consumerCancelled(subscription: StreamSubscription) {
        guard self.streamSubscriptions.removeValue(forKey: subscription.tag) != nil else { return }
        if self.connection.clientSupportsCancelNotify && self.stateMachine.isOpen {
            self.send(.basicCancel(AMQPBasicCancel(consumerTag: subscription.tag, noWait: true)))
        }
    }
}

@available(*, unavailable)
extension AMQPChannelSession: Sendable {}
