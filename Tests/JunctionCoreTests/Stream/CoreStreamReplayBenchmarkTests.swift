import Foundation
import JunctionCore
import JunctionCoreTestSupport
import JunctionModel
import NIOCore
import Testing

/// Append and replay throughput of 1 KiB messages on a temp-dir stream (page cache). A measurement,
/// run on demand: `JUNCTION_STREAM_BENCHMARK=1 swift test -c release --filter CoreStreamReplayBenchmark`.
@Suite(.enabled(if: ProcessInfo.processInfo.environment["JUNCTION_STREAM_BENCHMARK"] != nil))
struct CoreStreamReplayBenchmarkTests {
    @Test func replaysAtLeastHalfAMillionMessagesPerSecond() throws {
        let fixture = StreamFixture()
        defer { fixture.removeDirectory() }
        try fixture.declare("bench")
        let count = 500_000
        let body = ByteBuffer(repeating: 0x61, count: 1024)
        let appendStart = ContinuousClock.now
        for _ in 0..<count {
            _ = try fixture.vhost.publish(Message(exchange: "", routingKey: "bench", body: body))
        }
        let appendTime = ContinuousClock.now - appendStart
        let consumer = ReplayCountingConsumer()
        let replayStart = ContinuousClock.now
        let subscription = try fixture.vhost.consumeStream(
            "bench", consumer: consumer, tag: "c", noAck: false, prefetch: 1000,
            arguments: ["x-stream-offset": .string("first")], owner: StreamFixture.owner
        )
        consumer.subscription = subscription
        subscription.resume()
        let replayTime = ContinuousClock.now - replayStart
        #expect(consumer.count == count)
        let appendRate = Double(count) / appendTime.seconds
        let replayRate = Double(count) / replayTime.seconds
        print("stream 1 KiB: append \(Int(appendRate)) msg/s, replay \(Int(replayRate)) msg/s")
        #expect(replayRate >= 500_000)
    }
}

/// Counts deliveries and acks them in batches of 500, as a client with prefetch 1000 would.
private final class ReplayCountingConsumer: StreamConsumer {
    var isReadyForDeliveries: Bool { true }
    var subscription: StreamSubscription?
    private(set) var count = 0
    private var pending: [DeliveryID] = []

    func deliver(_ delivery: StreamDelivery) {
        self.count += 1
        self.pending.append(delivery.id)
        if self.pending.count == 500 {
            let ids = self.pending
            self.pending.removeAll(keepingCapacity: true)
            delivery.subscription.settle(acked: ids)
        }
    }

    func consumerCancelled(subscription: StreamSubscription) {}
}

extension Duration {
    fileprivate var seconds: Double {
        let (seconds, attoseconds) = self.components
        return Double(seconds) + Double(attoseconds) / 1e18
    }
}
