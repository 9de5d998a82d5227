import JunctionSTOMP
import Testing

@Suite("STOMP unacked deliveries")
struct STOMPUnackedDeliveriesTests {
    @Test func cumulativeSettlesEarlierOfSameSubscriptionOnly() {
        var unacked = STOMPUnackedDeliveries<Int>()
        let a1 = unacked.add(1, subscription: "a")
        _ = unacked.add(2, subscription: "b")
        let a3 = unacked.add(3, subscription: "a")
        let a4 = unacked.add(4, subscription: "a")
        #expect(a1 == "a@@1" && a3 == "a@@3")
        #expect(unacked.settle(a3, cumulative: true) == [1, 3])
        #expect(unacked.settle(a1, cumulative: true) == [])
        #expect(unacked.count == 2)
        #expect(unacked.settle(a4, cumulative: false) == [4])
        #expect(unacked.removeAll(subscription: "b") == [2])
        #expect(unacked.count == 0)
    }

    @Test func individualSettlesOne() {
        var unacked = STOMPUnackedDeliveries<Int>()
        let ids = (0..<3).map { unacked.add($0, subscription: "s") }
        #expect(unacked.settle(ids[1], cumulative: false) == [1])
        #expect(unacked.settle(ids[1], cumulative: false) == [])
        #expect(unacked.removeAll() == [0, 2])
    }

    @Test(arguments: [("x@@1", "x", UInt64(1)), ("a@@b@@22", "a@@b", 22)])
    func parse(ackID: String, subscription: String, tag: UInt64) {
        let parsed = STOMPUnackedDeliveries<Int>.parse(ackID)
        #expect(parsed?.subscription == subscription && parsed?.tag == tag)
    }

    @Test(arguments: ["", "nope", "x@@", "x@@y"])
    func parseRejects(ackID: String) {
        #expect(STOMPUnackedDeliveries<Int>.parse(ackID) == nil)
    }
}
