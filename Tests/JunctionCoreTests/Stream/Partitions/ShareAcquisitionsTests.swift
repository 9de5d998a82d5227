import JunctionStorage
import Testing

@testable import JunctionCore

@Suite struct ShareAcquisitionsTests {
    let a = ObjectIdentifier(ShareAcquisitionsTests.self)
    let b = ObjectIdentifier(Int.self)

    @Test func acquiresNewOffsetsInOrderAndStopsAtTheEndOfTheLog() {
        var share = ShareAcquisitions(startOffset: LogOffset(0))
        let end = LogOffset(2)
        let first = share.acquire(below: end, firstRetained: .zero, holder: a, id: DeliveryID(1), now: 0, timeout: 10)
        let second = share.acquire(below: end, firstRetained: .zero, holder: b, id: DeliveryID(2), now: 0, timeout: 10)
        #expect(first?.offset == LogOffset(0) && first?.deliveryCount == 1)
        #expect(second?.offset == LogOffset(1))
        #expect(
            share.acquire(below: end, firstRetained: .zero, holder: a, id: DeliveryID(3), now: 0, timeout: 10) == nil)
        #expect(share.lockedCount == 2)
    }

    @Test func releasedOffsetsComeBackFirstWithAHigherDeliveryCount() {
        var share = ShareAcquisitions(startOffset: LogOffset(0))
        let end = LogOffset(5)
        for id in 1...3 {
            _ = share.acquire(
                below: end, firstRetained: .zero, holder: a, id: DeliveryID(UInt64(id)), now: 0, timeout: 10)
        }
        #expect(share.unlock(LogOffset(1), id: DeliveryID(2)) == 1)
        share.makeAvailable(LogOffset(1))
        // A stale id does not unlock.
        #expect(share.unlock(LogOffset(0), id: DeliveryID(9)) == nil)
        let again = share.acquire(below: end, firstRetained: .zero, holder: b, id: DeliveryID(4), now: 0, timeout: 10)
        #expect(again?.offset == LogOffset(1) && again?.deliveryCount == 2)
        let next = share.acquire(below: end, firstRetained: .zero, holder: b, id: DeliveryID(5), now: 0, timeout: 10)
        #expect(next?.offset == LogOffset(3))
    }

    @Test func theStartOffsetMovesOnlyOverAContiguousSettledPrefix() {
        var share = ShareAcquisitions(startOffset: LogOffset(10))
        for id in 1...3 {
            _ = share.acquire(
                below: LogOffset(20), firstRetained: .zero, holder: a, id: DeliveryID(UInt64(id)), now: 0, timeout: 10)
        }
        _ = share.unlock(LogOffset(11), id: DeliveryID(2))
        share.settle(LogOffset(11))
        #expect(share.startOffset == LogOffset(10))
        _ = share.unlock(LogOffset(10), id: DeliveryID(1))
        share.settle(LogOffset(10))
        #expect(share.startOffset == LogOffset(12))
    }

    @Test func expiredLocksAndADepartedHoldersLocksAreUnlocked() {
        var share = ShareAcquisitions(startOffset: LogOffset(0))
        _ = share.acquire(below: LogOffset(9), firstRetained: .zero, holder: a, id: DeliveryID(1), now: 0, timeout: 100)
        _ = share.acquire(
            below: LogOffset(9), firstRetained: .zero, holder: b, id: DeliveryID(2), now: 50, timeout: 100)
        _ = share.acquire(
            below: LogOffset(9), firstRetained: .zero, holder: a, id: DeliveryID(3), now: 60, timeout: 100)
        #expect(share.unlockExpired(now: 99).isEmpty)
        let expired = share.unlockExpired(now: 100)
        #expect(expired.map(\.offset) == [LogOffset(0)])
        #expect(expired.first?.id == DeliveryID(1))
        let left = share.unlockAll(heldBy: a)
        #expect(left.map(\.offset) == [LogOffset(2)])
        #expect(share.lockedCount == 1)
        // An expired delivery's late ack no longer holds the lock.
        #expect(share.unlock(LogOffset(0), id: DeliveryID(1)) == nil)
    }

    @Test func offsetsDeletedByRetentionAreForgotten() {
        var share = ShareAcquisitions(startOffset: LogOffset(0))
        _ = share.acquire(below: LogOffset(9), firstRetained: .zero, holder: a, id: DeliveryID(1), now: 0, timeout: 100)
        let next = share.acquire(
            below: LogOffset(9), firstRetained: LogOffset(5), holder: a, id: DeliveryID(2), now: 0, timeout: 100)
        #expect(next?.offset == LogOffset(5))
        #expect(share.startOffset == LogOffset(5))
        #expect(share.lockedCount == 1)
    }
}
