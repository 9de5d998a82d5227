import NIOCore

/// What waits in a `MQTTDeadlineWheel`: a connection, which keeps its own place in the wheel.
protocol MQTTDeadlineWaiter: AnyObject {
    /// The slot it waits in (-1: none) and its index there; only the wheel writes them.
    var deadlineSlot: Int32 { get set }
    var deadlineIndex: Int32 { get set }
    /// Its deadline came: it checks what the deadline means and schedules the next one, if any.
    func deadlineReached()
}

/// The CONNECT and keep-alive deadlines of every connection of a listener, checked by one
/// repeating task on the engine loop instead of one scheduled task per connection: a scheduled
/// task costs each idle connection about 400 bytes (the task, its promise and future, a slot in
/// the loop's timer heap), and with 100,000 connections the heap work of re-arming them too.
///
/// A connection waits in one of `slotCount` slots, one per `tick`; the slot's turn comes at most
/// one tick after its deadline. A deadline beyond the wheel's horizon waits in the farthest slot
/// and is checked again then. What a deadline means (connect timeout, 1.5 × keep-alive) is the
/// session state machine's rule: it answers with the next delay, or nil when it needs no more.
/// The timer runs only while some connection waits. Confined to the engine loop.
final class MQTTDeadlineWheel<Waiter: MQTTDeadlineWaiter> {
    static var tick: Duration { .milliseconds(250) }
    static var slotCount: Int { 256 }

    private var slots: [[Waiter]]
    /// The slot whose turn was last.
    private var cursor = 0
    private(set) var count = 0
    private var task: Scheduled<Void>?
    /// Whether the wheel's timer is armed (only while some connection waits).
    var isTimerRunning: Bool { self.task != nil }

    init() {
        self.slots = Array(repeating: [], count: Self.slotCount)
    }

    /// Puts `handler` in the slot of `delay` from now (replacing where it waited before).
    func schedule(_ handler: Waiter, in delay: Duration, on eventLoop: any EventLoop) {
        self.remove(handler)
        let ticks = Int((delay / Self.tick).rounded(.up))
        let slot = (self.cursor + min(max(ticks, 1), Self.slotCount - 1)) % Self.slotCount
        handler.deadlineSlot = Int32(slot)
        handler.deadlineIndex = Int32(self.slots[slot].count)
        self.slots[slot].append(handler)
        self.count += 1
        if self.task == nil { self.arm(on: eventLoop) }
    }

    private func arm(on eventLoop: any EventLoop) {
        self.task = eventLoop.assumeIsolated().scheduleTask(in: TimeAmount(Self.tick)) { [self] in
            self.task = nil
            self.advance()
            if self.count > 0, self.task == nil { self.arm(on: eventLoop) }
        }
    }

    /// Takes `handler` out of its slot, if it waits in one (O(1): the last of the slot takes its place).
    func remove(_ handler: Waiter) {
        let slot = Int(handler.deadlineSlot)
        guard slot >= 0 else { return }
        let index = Int(handler.deadlineIndex)
        let last = self.slots[slot].removeLast()
        if last !== handler {
            self.slots[slot][index] = last
            last.deadlineIndex = Int32(index)
        }
        handler.deadlineSlot = -1
        self.count -= 1
        if self.count == 0 { self.stop() }
    }

    /// Stops the timer (no connection waits).
    func stop() {
        self.task?.cancel()
        self.task = nil
    }

    /// One tick: the next slot's connections are checked; each one still open schedules its next
    /// deadline (into another slot: the slot is taken out before they run).
    private func advance() {
        self.cursor = (self.cursor + 1) % Self.slotCount
        guard !self.slots[self.cursor].isEmpty else { return }
        let due = self.slots[self.cursor]
        self.slots[self.cursor] = []
        self.count -= due.count
        for handler in due { handler.deadlineSlot = -1 }
        for handler in due { handler.deadlineReached() }
    }
}

@available(*, unavailable)
extension MQTTDeadlineWheel: Sendable {}
