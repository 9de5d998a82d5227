import JunctionCore
import JunctionCoreTestSupport
import JunctionModel
import NIOCore
import PropertyBased
import Testing

/// Queue settlement against a model: random publishes, acks (single, several, stale), rejects with and
/// without requeue, requeue-all (a channel closing) and prefetch changes, with two consumers. Every delivery
/// must be the message the model has at the head of the queue, flagged redelivered exactly when delivered
/// before; prefetch is never exceeded and never leaves credit unused while messages wait; and at the end
/// every message was acknowledged exactly once or dropped by a reject, none lost.
@Suite struct CoreQueueSettlementPropertyTests {
    struct Scenario: Sendable {
        var prefetches: [Int]
        var operations: [Int]
    }

    static let scenarios = zip(
        Gen.int(in: 1...3).array(of: 2), Gen.int(in: 0...(12 * 8 - 1)).array(of: 1...60)
    ).map { Scenario(prefetches: $0, operations: $1) }

    /// What the test knows the queue must hold.
    struct Model {
        var ready: [String] = []
        /// Unacked deliveries: id → (body, consumer index).
        var outstanding: [DeliveryID: (body: String, consumer: Int)] = [:]
        var settled: [DeliveryID] = []
        var acked: [String] = []
        var dropped: [String] = []
        var deliveries: [String: Int] = [:]
    }

    @Test func settlementKeepsEveryMessageExactlyOnce() async throws {
        await propertyCheck(count: 300, input: Self.scenarios) { scenario in
            let fixture = CoreFixture()
            _ = try? fixture.declareQueue("q")
            guard let queue = fixture.vhost.queue(named: "q") else {
                Issue.record("no queue")
                return
            }
            var log: [(consumer: Int, delivery: Delivery)] = []
            var subscriptions: [Subscription] = []
            for (index, prefetch) in scenario.prefetches.enumerated() {
                let consumer = RecordingConsumer()
                consumer.onDeliver = { delivery, _ in log.append((index, delivery)) }
                guard let subscription = try? fixture.consume("q", consumer, tag: "c\(index)", prefetch: prefetch)
                else {
                    Issue.record("consume refused")
                    return
                }
                subscriptions.append(subscription)
            }
            var model = Model()
            var published = 0

            func absorbDeliveries() {
                for (consumer, delivery) in log {
                    let body = String(buffer: delivery.message.body)
                    #expect(
                        model.ready.first == body,
                        "delivered \(body), the queue's head is \(model.ready.first ?? "none")")
                    if !model.ready.isEmpty { model.ready.removeFirst() }
                    let before = model.deliveries[body, default: 0]
                    #expect(delivery.redelivered == (before > 0), "\(body): redelivered \(delivery.redelivered)")
                    model.deliveries[body] = before + 1
                    model.outstanding[delivery.id] = (body, consumer)
                }
                log.removeAll()
            }

            func requeue(_ ids: [DeliveryID]) {
                let bodies = ids.sorted().compactMap { model.outstanding.removeValue(forKey: $0)?.body }
                model.settled += ids
                model.ready.insert(contentsOf: bodies, at: 0)
            }

            for operation in scenario.operations {
                let argument = operation / 12
                let outstanding = model.outstanding.keys.sorted()
                let chosen = outstanding.isEmpty ? nil : outstanding[argument % outstanding.count]
                switch operation % 12 {
                case 0, 1, 2, 3:
                    published += 1
                    model.ready.append("m\(published)")
                    _ = try? fixture.publish("", "q", "m\(published)")
                case 4, 5:
                    guard let chosen else { continue }
                    model.acked.append(model.outstanding.removeValue(forKey: chosen)!.body)
                    model.settled.append(chosen)
                    queue.ack([chosen])
                case 6:
                    // Several at once, as a multiple ack does, with one repeated.
                    let ids = Array(outstanding.prefix(argument % 4 + 1))
                    for id in ids { model.acked.append(model.outstanding.removeValue(forKey: id)!.body) }
                    model.settled += ids
                    queue.ack(ids + ids.prefix(1))
                case 7:
                    let ids = Array(outstanding.suffix(argument % 3 + 1))
                    requeue(ids)
                    queue.reject(ids, requeue: true)
                case 8:
                    guard let chosen else { continue }
                    model.dropped.append(model.outstanding.removeValue(forKey: chosen)!.body)
                    model.settled.append(chosen)
                    queue.reject([chosen], requeue: false)
                case 9:
                    let consumer = argument % subscriptions.count
                    requeue(outstanding.filter { model.outstanding[$0]?.consumer == consumer })
                    queue.requeueAll(of: subscriptions[consumer])
                case 10:
                    // Settling what is settled already, or was never delivered, changes nothing.
                    let stale =
                        model.settled.isEmpty ? DeliveryID(999_999) : model.settled[argument % model.settled.count]
                    queue.ack([stale])
                    queue.reject([DeliveryID(999_998)], requeue: argument % 2 == 0)
                default:
                    subscriptions[argument % subscriptions.count].prefetch = argument % 3 + 1
                }
                absorbDeliveries()
                #expect(queue.readyCount == model.ready.count)
                #expect(queue.unackedCount == model.outstanding.count)
                for (index, subscription) in subscriptions.enumerated() {
                    let held = model.outstanding.values.filter { $0.consumer == index }.count
                    #expect(subscription.unackedCount == held)
                    // Requeue-all and a lowered prefetch may leave a consumer above its new prefetch until it acks.
                    if !model.ready.isEmpty {
                        #expect(subscription.unackedCount >= subscription.prefetch, "credit unused while messages wait")
                    }
                }
            }

            // Ack until the queue is empty: every message ends acknowledged once or dropped, none lost.
            while !model.outstanding.isEmpty {
                let ids = model.outstanding.keys.sorted()
                for id in ids { model.acked.append(model.outstanding.removeValue(forKey: id)!.body) }
                queue.ack(ids)
                absorbDeliveries()
            }
            #expect(queue.readyCount == 0 && queue.unackedCount == 0 && model.ready.isEmpty)
            let settledBodies = (model.acked + model.dropped).sorted()
            #expect(settledBodies == (0..<published).map { "m\($0 + 1)" }.sorted())
        }
    }
}
