import JunctionCore
import JunctionCoreTestSupport
import Testing

@Suite struct CoreFailedLoginDelayTests {
    @Test func delayDoublesPerFailureFromOneAddressUpToTheCap() {
        let delays = FailedLoginDelay(baseMilliseconds: 200, maxMilliseconds: 1000)
        let seen = (0..<5).map { step in delays.failed(address: "10.0.0.1", now: 1000 + UInt64(step) * 10) }
        #expect(
            seen == [
                .milliseconds(200), .milliseconds(400), .milliseconds(800), .milliseconds(1000), .milliseconds(1000),
            ])
        // Another address starts at the base.
        #expect(delays.failed(address: "10.0.0.2", now: 1100) == .milliseconds(200))
    }

    @Test func successAndTimeForgetFailures() {
        let delays = FailedLoginDelay(baseMilliseconds: 100, maxMilliseconds: 5000)
        _ = delays.failed(address: "a", now: 0)
        _ = delays.failed(address: "a", now: 10)
        delays.succeeded(address: "a")
        #expect(delays.failed(address: "a", now: 20) == .milliseconds(100))
        _ = delays.failed(address: "a", now: 30)
        let later = 30 + FailedLoginDelay.windowMilliseconds + 1
        #expect(delays.failed(address: "a", now: later) == .milliseconds(100))
    }

    @Test func zeroDisablesTheDelay() {
        let delays = FailedLoginDelay(baseMilliseconds: 0, maxMilliseconds: 5000)
        #expect(delays.failed(address: "a", now: 0) == .zero)
        #expect(delays.failed(address: "a", now: 1) == .zero)
    }

    @Test func tableStaysBounded() {
        let delays = FailedLoginDelay(baseMilliseconds: 1, maxMilliseconds: 10)
        for index in 0..<(FailedLoginDelay.capacity + 10) {
            _ = delays.failed(address: "host-\(index)", now: 0)
        }
        // Still answers; the newest address is remembered.
        #expect(delays.failed(address: "host-\(FailedLoginDelay.capacity + 9)", now: 1) == .milliseconds(2))
    }
}
