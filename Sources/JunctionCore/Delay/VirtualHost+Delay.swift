import JunctionModel
import Logging

/// Delayed messages: `x-delayed-message` exchanges (RabbitMQ's delayed-message plugin) and the
/// queue-level and per-message delays the SQS API uses. Scheduled messages wait in `delayed` (the
/// timer index) and are routed when due, with the bindings that exist then.
extension VirtualHost {
    /// A message with a positive `x-delay` reached a delayed exchange (published to it, or through an
    /// exchange-to-exchange binding or dead-lettering): it waits, with `x-delay` set to −delay as the
    /// plugin does. Persistent messages for a durable exchange go to the delay log, so the
    /// publisher's confirm waits for the disk; a failed write counts as a failed append (a nack).
    func scheduleDelayed(_ message: Message, in exchange: Exchange, delayMilliseconds: Int64) {
        var delayed = message
        DelayHeader.markDelayed(&delayed, by: delayMilliseconds)
        let due = self.clock.nowMilliseconds() &+ UInt64(delayMilliseconds)
        let durable = exchange.durable && message.properties.deliveryMode == 2
        _ = self.delayed.schedule(delayed, due: due, target: .exchange(exchange.name), durable: durable)
    }

    /// Routes up to `limit` messages due at `now`, earliest first.
    func routeDueMessages(now: UInt64, limit: Int) {
        var routed = 0
        while routed < limit, let (message, target) = self.delayed.takeDue(now: now) {
            routed += 1
            switch target.kind {
            case .exchange: self.routeDue(message, through: target.name)
            case .queue: self.enqueueDue(message, into: target.name)
            }
        }
    }

    /// Through the delayed exchange by its `x-delayed-type`, with today's bindings (and its
    /// alternate exchange when nothing matches). A deleted exchange drops it.
    private func routeDue(_ message: Message, through exchangeName: String) {
        guard let exchange = self.exchanges[exchangeName], exchange.isDelayed else { return }
        let ttl = (try? QueueArguments.messageTTL(message.properties.expiration)) ?? nil
        var targets = self.spareTargetLists.popLast() ?? []
        defer {
            targets.removeAll(keepingCapacity: true)
            self.spareTargetLists.append(targets)
        }
        self.collectTargets(from: exchange, message: message, into: &targets)
        guard !targets.isEmpty else { return }
        exchange.publishedOut += 1
        for queue in targets {
            _ = self.accept(message, into: queue, ttl: ttl)
        }
    }

    private func enqueueDue(_ message: Message, into queueName: String) {
        guard let queue = self.queuesByName[queueName] else { return }
        let ttl = (try? QueueArguments.messageTTL(message.properties.expiration)) ?? nil
        _ = self.acceptNow(message, into: queue, ttl: ttl)
    }

    /// The exchange was deleted: its delayed messages go with it (a new exchange of that name
    /// does not inherit them).
    func dropDelayedMessages(of exchange: Exchange) {
        guard exchange.isDelayed else { return }
        self.delayed.remove(target: .exchange(exchange.name))
    }
}
