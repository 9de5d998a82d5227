import Testing

@testable import JunctionAMQP

@Suite struct AMQPUnackedDeliveriesTests {
    func filled(_ count: Int) -> AMQPUnackedDeliveries<String> {
        var deliveries = AMQPUnackedDeliveries<String>()
        for index in 1...count {
            #expect(deliveries.nextTag(for: "m\(index)", track: true) == UInt64(index))
        }
        return deliveries
    }

    @Test func singleAckSettlesOneAndUnknownTagsAreRefused() {
        var deliveries = self.filled(3)
        #expect(deliveries.settle(tag: 2, multiple: false) == ["m2"])
        #expect(deliveries.settle(tag: 2, multiple: false) == nil)
        #expect(deliveries.settle(tag: 9, multiple: false) == nil)
        #expect(deliveries.count == 2)
    }

    @Test func multipleAckSettlesEverythingUpToTheTagAcrossHoles() {
        var deliveries = self.filled(5)
        _ = deliveries.settle(tag: 2, multiple: false)
        #expect(deliveries.settle(tag: 4, multiple: true) == ["m1", "m3", "m4"])
        #expect(deliveries.count == 1)
        #expect(deliveries.settle(tag: 0, multiple: true) == ["m5"])
        #expect(deliveries.count == 0)
    }

    @Test func untrackedDeliveriesUseTagsButAreNeverSettled() {
        var deliveries = AMQPUnackedDeliveries<String>()
        #expect(deliveries.nextTag(for: "a", track: false) == 1)
        #expect(deliveries.nextTag(for: "b", track: true) == 2)
        #expect(deliveries.settle(tag: 1, multiple: false) == nil)
        #expect(deliveries.settle(tag: 2, multiple: false) == ["b"])
    }

    @Test func removeAllReturnsUnsettledInTagOrder() {
        var deliveries = self.filled(4)
        _ = deliveries.settle(tag: 3, multiple: false)
        #expect(deliveries.removeAll() == ["m1", "m2", "m4"])
        #expect(deliveries.count == 0)
        #expect(deliveries.nextTag(for: "m5", track: true) == 5)
    }

    @Test func containsChecksWithoutSettling() {
        var deliveries = self.filled(2)
        #expect(deliveries.contains(tag: 2, multiple: false))
        #expect(!deliveries.contains(tag: 3, multiple: false))
        _ = deliveries.settle(tag: 1, multiple: false)
        #expect(!deliveries.contains(tag: 1, multiple: false))
        #expect(deliveries.contains(tag: 2, multiple: true))
        #expect(deliveries.count == 1)
    }
}
