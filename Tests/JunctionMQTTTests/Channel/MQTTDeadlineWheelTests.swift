import NIOCore
import NIOEmbedded
import Testing

@testable import JunctionMQTT

/// The listener's one timer for every connection's CONNECT and keep-alive deadline: when waiters
/// are called, O(1) removal from the middle of a slot, deadlines past the horizon, and no timer
/// while nothing waits.
@Suite struct MQTTDeadlineWheelTests {
    final class Waiter: MQTTDeadlineWaiter {
        var deadlineSlot: Int32 = -1
        var deadlineIndex: Int32 = 0
        let loop: EmbeddedEventLoop
        var reached: [NIODeadline] = []
        /// What it asks for when its deadline comes (nil: nothing more).
        var again: Duration?
        weak var wheel: MQTTDeadlineWheel<Waiter>?

        init(loop: EmbeddedEventLoop) { self.loop = loop }

        func deadlineReached() {
            self.reached.append(self.loop.now)
            if let again = self.again { self.wheel?.schedule(self, in: again, on: self.loop) }
        }
    }

    let loop = EmbeddedEventLoop()
    let wheel = MQTTDeadlineWheel<Waiter>()

    func waiter() -> Waiter {
        let waiter = Waiter(loop: self.loop)
        waiter.wheel = self.wheel
        return waiter
    }

    @Test func aDeadlineIsReachedWithinOneTickAfterItIsDue() {
        let waiter = self.waiter()
        self.wheel.schedule(waiter, in: .milliseconds(1_500), on: self.loop)
        self.loop.advanceTime(by: .milliseconds(1_499))
        #expect(waiter.reached.isEmpty)
        self.loop.advanceTime(by: .milliseconds(251))
        #expect(waiter.reached.count == 1)
        #expect(self.wheel.count == 0)
    }

    @Test func removedWaitersAreNeverCalledAndTheOthersKeepTheirPlace() {
        let waiters = (0..<5).map { _ in self.waiter() }
        for waiter in waiters { self.wheel.schedule(waiter, in: .seconds(1), on: self.loop) }
        // Out of the middle, then the last, then the first: the rest move into their places.
        self.wheel.remove(waiters[2])
        self.wheel.remove(waiters[4])
        self.wheel.remove(waiters[0])
        self.wheel.remove(waiters[0])  // no longer waiting: nothing happens
        #expect(self.wheel.count == 2)
        self.loop.advanceTime(by: .seconds(2))
        #expect(waiters.map(\.reached.count) == [0, 1, 0, 1, 0])
    }

    @Test func rescheduledWaiterMovesAndADeadlinePastTheHorizonIsCheckedAgain() {
        let waiter = self.waiter()
        self.wheel.schedule(waiter, in: .seconds(5), on: self.loop)
        self.wheel.schedule(waiter, in: .seconds(1), on: self.loop)
        #expect(self.wheel.count == 1)
        self.loop.advanceTime(by: .seconds(1))
        #expect(waiter.reached.count == 1)
        // 200 s is past the 64 s horizon: reached at the horizon, and the waiter (the state
        // machine) asks again for the rest.
        waiter.again = .seconds(136)
        self.wheel.schedule(waiter, in: .seconds(200), on: self.loop)
        self.loop.advanceTime(by: .seconds(63))
        #expect(waiter.reached.count == 1)
        self.loop.advanceTime(by: .seconds(1))
        #expect(waiter.reached.count == 2)
        waiter.again = nil
        self.loop.advanceTime(by: .seconds(136))
        #expect(waiter.reached.count == 3)
        #expect(self.wheel.count == 0)
    }

    @Test func noTimerRunsWhileNothingWaits() {
        let waiter = self.waiter()
        #expect(!self.wheel.isTimerRunning)
        self.wheel.schedule(waiter, in: .seconds(1), on: self.loop)
        #expect(self.wheel.isTimerRunning)
        self.wheel.remove(waiter)
        #expect(!self.wheel.isTimerRunning)
        self.loop.advanceTime(by: .seconds(10))
        #expect(waiter.reached.isEmpty)
        self.wheel.schedule(waiter, in: .seconds(1), on: self.loop)
        self.loop.advanceTime(by: .seconds(1))
        #expect(waiter.reached.count == 1)
        // Reached and not scheduled again: the timer stops.
        #expect(!self.wheel.isTimerRunning)
    }
}
