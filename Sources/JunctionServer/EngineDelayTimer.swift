import JunctionCore
import NIOCore

/// The timer of the engine's delayed messages: one task on the engine loop for the earliest due
/// time (re-armed when an earlier one is scheduled, and after each firing), never a task or a poll
/// per message. Confined to the engine loop.
final class EngineDelayTimer: DelayTimer {
    private let loop: any EventLoop
    private let clock: any BrokerClock
    private let fire: () -> Void
    private var scheduled: Scheduled<Void>?

    init(loop: any EventLoop, clock: any BrokerClock = SystemBrokerClock(), fire: @escaping () -> Void) {
        self.loop = loop
        self.clock = clock
        self.fire = fire
    }

    func arm(atMilliseconds milliseconds: UInt64) {
        self.scheduled?.cancel()
        let now = self.clock.nowMilliseconds()
        let delay = milliseconds > now ? Int64(clamping: milliseconds - now) : 0
        self.scheduled = self.loop.assumeIsolated().scheduleTask(in: .milliseconds(delay)) { [self] in
            self.scheduled = nil
            self.fire()
        }
    }

    /// Shutdown: nothing fires after the engine closed its stores.
    func cancel() {
        self.scheduled?.cancel()
        self.scheduled = nil
    }
}

@available(*, unavailable)
extension EngineDelayTimer: Sendable {}
