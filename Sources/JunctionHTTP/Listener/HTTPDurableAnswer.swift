import JunctionCore

/// An answer held until the group commit has what the request stored on disk, like an AMQP confirm: HTTP
/// publishes and SQS sends of persistent messages to durable queues. Shared by the management API and SQS
/// handlers, which keep the instance in their state while it waits.
final class HTTPDurableAnswer: DurabilityWaiter {
    private let durability: DurabilityMonitor
    private let ticket: UInt64
    private var completion: ((_ stored: Bool) -> Void)?

    /// Waits for `ticket`; `completion` runs once, on the engine loop, with whether it was stored.
    init(ticket: UInt64, durability: DurabilityMonitor, completion: @escaping (_ stored: Bool) -> Void) {
        self.ticket = ticket
        self.durability = durability
        self.completion = completion
        durability.wait(self)
    }

    /// The connection went away: nothing is answered.
    func cancel() {
        self.completion = nil
        self.durability.stopWaiting(self)
    }

    func durabilityAdvanced(to ticket: UInt64) {
        guard self.ticket <= ticket else {
            self.durability.wait(self)
            return
        }
        self.complete(stored: true)
    }

    /// The store could not sync: what the request stored is not confirmed.
    func durabilityFailed() {
        self.complete(stored: false)
    }

    private func complete(stored: Bool) {
        let completion = self.completion
        self.completion = nil
        completion?(stored)
    }
}

@available(*, unavailable)
extension HTTPDurableAnswer: Sendable {}
