import JunctionSTOMP
import Testing

@Suite("STOMP pending receipts")
struct STOMPPendingReceiptsTests {
    @Test func receiptWithoutTicketGoesAtOnceWhenNothingWaits() {
        var receipts = STOMPPendingReceipts()
        #expect(receipts.add("r1", ticket: nil))
        #expect(receipts.isEmpty)
    }

    @Test func receiptsAreReleasedInFrameOrderAsTicketsBecomeDurable() {
        var receipts = STOMPPendingReceipts()
        #expect(!receipts.add("r1", ticket: 3))
        // Needs no disk itself, but must not overtake r1.
        #expect(!receipts.add("r2", ticket: nil))
        #expect(!receipts.add("r3", ticket: 7))
        #expect(receipts.durable(through: 2) == [])
        #expect(receipts.durable(through: 5) == ["r1", "r2"])
        #expect(!receipts.isEmpty)
        #expect(receipts.durable(through: 7) == ["r3"])
        #expect(receipts.isEmpty)
        #expect(receipts.add("r4", ticket: nil))
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
