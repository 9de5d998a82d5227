import JunctionCore
import JunctionModel
import NIOCore
import NIOHTTP1

/// One Server-Sent Events response on the engine loop: a stream consumer (following a stream) or
/// a queue consumer (of a private queue bound to an exchange) whose deliveries become events.
///
/// Flow control: the subscription has a credit window of `creditWindow` unacknowledged
/// deliveries. Events of one event-loop tick are written as one buffer; when that write completes
/// (the bytes reached the socket) they are acknowledged, which frees credit. While the channel is
/// not writable the consumer takes no deliveries; the handler calls `resume()` when it is again.
final class HTTPEventSource: MessageConsumer, StreamConsumer {
    static let creditWindow = 128

    private let request: HTTPEventsRequest
    private let owner: ConnectionID
    private let eventLoop: any EventLoop
    /// Writes and flushes event bytes; the future completes when they were written.
    private let send: (ByteBuffer) -> EventLoopFuture<Void>
    private let isWritable: () -> Bool
    /// The server ended the stream (the stream or the private queue was deleted).
    private let onServerEnd: () -> Void

    private var subscription: Subscription?
    private var streamSubscription: StreamSubscription?
    private var heartbeat: Scheduled<Void>?
    private var pending = ByteBuffer()
    private var pendingQueueIDs: [DeliveryID] = []
    private var pendingStreamIDs: [DeliveryID] = []
    private var flushScheduled = false
    private var eventCounter: Int64 = 0
    private var isOpen = true

    init(
        request: HTTPEventsRequest,
        owner: ConnectionID,
        eventLoop: any EventLoop,
        send: @escaping (ByteBuffer) -> EventLoopFuture<Void>,
        isWritable: @escaping () -> Bool,
        onServerEnd: @escaping () -> Void
    ) {
        self.request = request
        self.owner = owner
        self.eventLoop = eventLoop
        self.send = send
        self.isWritable = isWritable
        self.onServerEnd = onServerEnd
    }

    var isReadyForDeliveries: Bool { self.isOpen && self.isWritable() }

    /// The private queue of an exchange subscription, for tests and logs.
    var queueName: String? { self.subscription?.queue.name }

    /// Subscribes without taking anything yet, so a failure can still be answered with a JSON error.
    func subscribe() throws(HTTPAPIError) {
        let host = self.request.host
        switch self.request.source {
        case .stream(let name, let arguments, let group):
            let subscription: StreamSubscription
            do {
                subscription = try host.consumeStream(
                    name, consumer: self, tag: HTTPAPI.streamReaderTag(), noAck: false,
                    prefetch: Self.creditWindow, arguments: arguments, owner: self.owner, access: self.request.access
                )
            } catch {
                throw HTTPAPIError(error)
            }
            guard subscription.isActive else {
                subscription.cancel()
                throw HTTPAPIError(
                    status: .conflict,
                    error: "conflict",
                    reason: "consumer group '\(group ?? "")' of stream '\(name)' has another active consumer"
                )
            }
            self.streamSubscription = subscription
        case .exchange(let exchange, let routingKey):
            do {
                self.subscription = try self.subscribePrivateQueue(exchange: exchange, routingKey: routingKey)
            } catch {
                throw HTTPAPIError(error)
            }
        }
    }

    /// Exclusive to this connection and auto-delete: the queue goes when the consumer is
    /// cancelled, and the broker removes it with the connection in any case.
    private func subscribePrivateQueue(exchange: String, routingKey: String) throws(BrokerError) -> Subscription {
        let host = self.request.host
        let queue = try host.declareQueue(
            "", durable: false, exclusive: true, autoDelete: true, arguments: [:], passive: false, owner: self.owner,
            access: self.request.access
        ).queue
        do {
            try host.bindQueue(
                queue, exchange: exchange, routingKey: routingKey, arguments: [:], owner: self.owner,
                access: self.request.access)
            return try host.consume(
                queue: queue, consumer: self,
                tag: "http.events-" + String(UInt64.random(in: 0...UInt64.max), radix: 16),
                noAck: false, exclusive: true, prefetch: Self.creditWindow, sharedCredit: nil, arguments: [:],
                owner: self.owner, access: self.request.access
            )
        } catch {
            _ = try? host.deleteQueue(
                queue, ifUnused: false, ifEmpty: false, owner: self.owner, access: self.request.access)
            throw error
        }
    }

    /// After the response head went out: start heartbeats and take deliveries.
    func begin() {
        self.scheduleHeartbeat()
        self.resume()
    }

    private func scheduleHeartbeat() {
        self.heartbeat = self.eventLoop.assumeIsolated().scheduleTask(in: .seconds(self.request.heartbeatSeconds)) {
            [weak self] () -> Void in
            guard let self, self.isOpen else { return }
            self.pending.writeString(ServerSentEvent.heartbeat)
            self.scheduleFlush()
            self.scheduleHeartbeat()
        }
    }

    /// The channel became writable again.
    func resume() {
        self.subscription?.resume()
        self.streamSubscription?.resume()
    }

    /// The client went away: the subscription ends (the private queue is auto-deleted with it).
    func stop() {
        guard self.isOpen else { return }
        self.isOpen = false
        self.heartbeat?.cancel()
        self.heartbeat = nil
        self.subscription?.cancel()
        self.subscription = nil
        self.streamSubscription?.cancel()
        self.streamSubscription = nil
    }

    // MARK: Consumers

    func deliver(_ delivery: Delivery, subscription: Subscription) {
        self.eventCounter += 1
        let id = String(self.eventCounter)
        switch self.request.format {
        case .text:
            HTTPEventFormat.textEvent(id: id, body: delivery.message.body).encode(into: &self.pending)
        case .json:
            var fields: [(String, JSONValue)] = [("id", .int(self.eventCounter))]
            fields.append(contentsOf: HTTPAPI.messageFields(delivery, base64: false, truncate: nil))
            ServerSentEvent(id: id, event: "message", data: JSONValue.object(fields).serialized).encode(
                into: &self.pending)
        }
        self.pendingQueueIDs.append(delivery.id)
        self.scheduleFlush()
    }

    func deliver(_ delivery: StreamDelivery) {
        let id = String(delivery.offset)
        switch self.request.format {
        case .text:
            HTTPEventFormat.textEvent(id: id, body: delivery.message.body).encode(into: &self.pending)
        case .json:
            let data = JSONValue.object(HTTPAPI.streamMessageFields(delivery)).serialized
            ServerSentEvent(id: id, event: "message", data: data).encode(into: &self.pending)
        }
        self.pendingStreamIDs.append(delivery.id)
        self.scheduleFlush()
    }

    func consumerCancelled(subscription: Subscription) {
        self.subscription = nil
        self.serverEnded()
    }

    func consumerCancelled(subscription: StreamSubscription) {
        self.streamSubscription = nil
        self.serverEnded()
    }

    // MARK: Output

    private func serverEnded() {
        guard self.isOpen else { return }
        self.flush()
        self.stop()
        self.onServerEnd()
    }

    /// One write per event-loop tick, whatever number of events the tick brought.
    private func scheduleFlush() {
        guard !self.flushScheduled else { return }
        self.flushScheduled = true
        self.eventLoop.assumeIsolated().execute { [weak self] in
            guard let self else { return }
            self.flush()
        }
    }

    private func flush() {
        self.flushScheduled = false
        guard self.isOpen, self.pending.readableBytes > 0 else { return }
        let bytes = self.pending
        self.pending = ByteBuffer()
        let queueIDs = self.pendingQueueIDs
        let streamIDs = self.pendingStreamIDs
        self.pendingQueueIDs = []
        self.pendingStreamIDs = []
        let queue = self.subscription?.queue
        let stream = self.streamSubscription
        // Acknowledged once written: frees credit, and commits a consumer group's offset.
        self.send(bytes).assumeIsolated().whenSuccess {
            if !queueIDs.isEmpty { queue?.ack(queueIDs) }
            if !streamIDs.isEmpty { stream?.settle(acked: streamIDs) }
        }
    }
}

@available(*, unavailable)
extension HTTPEventSource: Sendable {}
