/// What fires the engine's delayed messages on time: the server arms one timer on the engine loop
/// for the earliest due time and calls `Broker.fireDueDelayedMessages()` when it fires (no polling
/// per message). Tests leave it unset and call `fireDueDelayedMessages()` after moving a
/// `ManualBrokerClock`.
public protocol DelayTimer: AnyObject {
    /// Fire at `milliseconds` (since the Unix epoch, by the broker's clock) or as soon as possible
    /// after; replaces a later timer that is armed. Called on the engine loop.
    func arm(atMilliseconds milliseconds: UInt64)
}

/// The broker's one timer, shared by its virtual hosts: each asks for its earliest due time, and
/// the timer is re-armed only when that is earlier than what it is armed for.
final class DelayTimerSlot {
    var timer: (any DelayTimer)?
    /// What the timer is armed for; `.max` when it is not.
    private(set) var armedAt: UInt64 = .max

    func request(_ due: UInt64) {
        guard due < self.armedAt, let timer = self.timer else { return }
        self.armedAt = due
        timer.arm(atMilliseconds: due)
    }

    /// The timer fired (or is replaced): the next request arms it again.
    func disarm() {
        self.armedAt = .max
    }
}

@available(*, unavailable)
extension DelayTimerSlot: Sendable {}
