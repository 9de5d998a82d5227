import JunctionCore
import JunctionModel
import NIOCore

/// One long-poll consume: a subscription with prefetch = N held only while the request waits.
/// It completes when N messages arrived, at the end of the event-loop tick that brought the first
/// (so one publish burst fills one response), when the wait ends, or when the queue goes.
final class HTTPPollConsumer: MessageConsumer {
    private(set) var deliveries: [Delivery] = []
    private var subscription: Subscription?
    private var timeout: Scheduled<Void>?
    private var completionScheduled = false
    private var onComplete: ((HTTPPollConsumer) -> Void)?
    private let max: Int
    private let eventLoop: any EventLoop

    init(max: Int, eventLoop: any EventLoop, onComplete: @escaping (HTTPPollConsumer) -> Void) {
        self.max = max
        self.eventLoop = eventLoop
        self.onComplete = onComplete
    }

    var isReadyForDeliveries: Bool { self.onComplete != nil }

    func start(
        on host: VirtualHost, queue: String, owner: ConnectionID, access: AccessContext, waitMilliseconds: Int64,
        takesGroupRuns: Bool = false
    ) throws(BrokerError) {
        self.timeout = self.eventLoop.assumeIsolated().scheduleTask(in: .milliseconds(waitMilliseconds)) {
            [weak self] () -> Void in
            guard let self else { return }
            self.complete()
        }
        let tag = "http-poll-\(UInt64.random(in: 0...UInt64.max))"
        do {
            self.subscription = try host.consume(
                queue: queue, consumer: self, tag: tag, noAck: false, exclusive: false,
                prefetch: self.max, sharedCredit: nil, arguments: [:], owner: owner, access: access
            )
            // SQS: one receive may hold several messages of a FIFO group (consume does not deliver yet).
            self.subscription?.takesGroupRuns = takesGroupRuns
        } catch {
            self.timeout?.cancel()
            self.onComplete = nil
            throw error
        }
    }

    func deliver(_ delivery: Delivery, subscription: Subscription) {
        self.deliveries.append(delivery)
        if self.deliveries.count >= self.max {
            self.complete()
        } else if !self.completionScheduled {
            self.completionScheduled = true
            self.eventLoop.assumeIsolated().execute { [weak self] in
                guard let self else { return }
                self.complete()
            }
        }
    }

    func consumerCancelled(subscription: Subscription) {
        self.subscription = nil
        self.complete()
    }

    /// Stops consuming and hands the deliveries (still unacked) to the completion, once.
    func complete() {
        guard let onComplete = self.onComplete else { return }
        self.onComplete = nil
        self.timeout?.cancel()
        self.subscription?.cancel()
        self.subscription = nil
        onComplete(self)
    }

    /// The client went away while waiting: what arrived goes back to the queue.
    func abandon() {
        guard self.onComplete != nil else { return }
        self.onComplete = nil
        self.timeout?.cancel()
        self.subscription?.cancel()
        self.subscription = nil
        if let queue = self.deliveries.first?.queue {
            queue.reject(self.deliveries.map(\.id), requeue: true)
        }
        self.deliveries = []
    }
}
