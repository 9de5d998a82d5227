import JunctionSTOMP
import Testing

@Suite("STOMP pending receipts")
struct STOMPPendingReceiptsTests {
    @Test func receiptWithoutTicketGoesAtOnceWhenNothingWaits() {
        var receipts = STOMPPendingReceipts()
        let sendNow = receipts.add("r1", ticket: nil)
        #expect(sendNow)
        #expect(receipts.isEmpty)
    }

    @Test func receiptsAreReleasedInFrameOrderAsTicketsBecomeDurable() {
        var receipts = STOMPPendingReceipts()
        let first = receipts.add("r1", ticket: 3)
        // Needs no disk itself, but must not overtake r1.
        let second = receipts.add("r2", ticket: nil)
        let third = receipts.add("r3", ticket: 7)
        #expect([first, second, third] == [false, false, false])
        #expect(receipts.durable(through: 2) == [])
        #expect(receipts.durable(through: 5) == ["r1", "r2"])
        #expect(!receipts.isEmpty)
        #expect(receipts.durable(through: 7) == ["r3"])
        #expect(receipts.isEmpty)
        let fourth = receipts.add("r4", ticket: nil)
        #expect(fourth)
    }

    @Test func removeAllDropsHeldReceiptsInOrder() {
        var receipts = STOMPPendingReceipts()
        _ = receipts.add("a", ticket: 1)
        _ = receipts.add("b", ticket: 2)
        #expect(receipts.removeAll() == ["a", "b"])
        #expect(receipts.isEmpty)
        #expect(receipts.durable(through: 10) == [])
    }
}
