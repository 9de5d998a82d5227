import JunctionCore
import Testing

/// The one settlement grouping every protocol session uses (`HeldDelivery`): a batch becomes one engine call
/// per source, sources in the order they first appear, each with its ids in their order.
@Suite struct CoreHeldDeliverySettlementTests {
    final class RecordingSource: DeliverySource {
        let name: String
        var calls: [(acked: Bool, requeue: Bool, ids: [DeliveryID])] = []
        init(_ name: String) { self.name = name }
        func settle(acked ids: [DeliveryID]) { self.calls.append((true, false, ids)) }
        func settle(rejected ids: [DeliveryID], requeue: Bool) { self.calls.append((false, requeue, ids)) }
    }

    @Test func aBatchIsOneCallPerSourceInFirstAppearanceOrder() {
        let a = RecordingSource("a")
        let b = RecordingSource("b")
        let held: [HeldDelivery] = [
            HeldDelivery(source: a, id: DeliveryID(1)), HeldDelivery(source: b, id: DeliveryID(2)),
            HeldDelivery(source: a, id: DeliveryID(3)), HeldDelivery(source: b, id: DeliveryID(4)),
            HeldDelivery(source: a, id: DeliveryID(5)),
        ]
        held.acknowledge()
        #expect(a.calls.count == 1)
        #expect(a.calls.first?.acked == true)
        #expect(a.calls.first?.ids == [DeliveryID(1), DeliveryID(3), DeliveryID(5)])
        #expect(b.calls.count == 1)
        #expect(b.calls.first?.ids == [DeliveryID(2), DeliveryID(4)])

        held.reject(requeue: true)
        #expect(a.calls.count == 2 && b.calls.count == 2)
        #expect(a.calls.last?.acked == false && a.calls.last?.requeue == true)
        #expect(b.calls.last?.ids == [DeliveryID(2), DeliveryID(4)])
    }

    @Test func oneSourceIsOneCallAndNothingIsNoCall() {
        let a = RecordingSource("a")
        [HeldDelivery]().reject(requeue: false)
        #expect(a.calls.isEmpty)
        [HeldDelivery(source: a, id: DeliveryID(7)), HeldDelivery(source: a, id: DeliveryID(8))].reject(requeue: false)
        #expect(a.calls.count == 1)
        #expect(a.calls.first?.requeue == false)
        #expect(a.calls.first?.ids == [DeliveryID(7), DeliveryID(8)])
    }
}
