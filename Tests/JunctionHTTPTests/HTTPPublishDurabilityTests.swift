import Foundation
import JunctionCore
import JunctionCoreTestSupport
import JunctionModel
import Logging
import Testing

@testable import JunctionHTTP

/// Issue 13, defect 2: under `fsync: interval` an HTTP publish of a persistent message to a durable
/// queue or stream is answered once the group commit covers it, as AMQP confirms are.
@Suite struct HTTPPublishDurabilityTests {
    private static func harness() throws -> (HTTPHarness, String) {
        let directory = NSTemporaryDirectory() + "junction-http-durability-\(UInt64.random(in: 0...UInt64.max))"
        let store = try LogQueueStore(
            root: directory + "/queues", maxSegmentBytes: 1 << 20, logger: Logger(label: "test"))
        let broker = Broker(
            clock: ManualBrokerClock(), logger: Logger(label: "test"), queueStore: store,
            streamRoot: directory + "/streams")
        #expect(broker.durability.policy == .groupCommit)
        let harness = try HTTPHarness(configuration: .init(maxBodyBytes: 4096), broker: broker)
        return (harness, directory)
    }

    @Test func aPersistentPublishIsAnsweredAfterTheGroupCommit() throws {
        let (harness, directory) = try Self.harness()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        #expect(try harness.request("PUT", "/api/queues/%2F/jobs", body: #"{"durable":true}"#).status == 201)

        try harness.send(
            "POST", "/api/exchanges/%2F/amq.default/publish",
            body: #"{"routing_key":"jobs","payload":"x","properties":{"delivery_mode":2}}"#)
        #expect(try harness.readResponse() == nil)
        harness.broker.durability.groupCommitTimerFired()
        let answer = try #require(try harness.readResponse())
        #expect(answer.status == 200)
        #expect(answer.json?["routed"] == .bool(true))

        try harness.send(
            "POST", "/api/v1/exchanges/%2F/amq.default/messages?routing_key=jobs", body: "y",
            headers: HTTPHarness.guest + "X-Persistent: true\r\n")
        #expect(try harness.readResponse() == nil)
        harness.broker.durability.groupCommitTimerFired()
        #expect(try harness.readResponse()?.status == 201)
    }

    @Test func aPersistentPublishToAStreamWaitsTooButATransientOneDoesNot() throws {
        let (harness, directory) = try Self.harness()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        #expect(
            try harness.request(
                "PUT", "/api/queues/%2F/events",
                body: #"{"durable":true,"arguments":{"x-queue-type":"stream"}}"#
            ).status == 201)
        try harness.send(
            "POST", "/api/v1/exchanges/%2F/amq.default/messages?routing_key=events", body: "a",
            headers: HTTPHarness.guest + "X-Persistent: true\r\n")
        #expect(try harness.readResponse() == nil)
        harness.broker.durability.groupCommitTimerFired()
        #expect(try harness.readResponse()?.status == 201)

        // A transient message to a durable queue is not stored: answered at once.
        #expect(try harness.request("PUT", "/api/queues/%2F/jobs", body: #"{"durable":true}"#).status == 201)
        let transient = try harness.request(
            "POST", "/api/v1/exchanges/%2F/amq.default/messages?routing_key=jobs", body: "b",
            headers: HTTPHarness.guest + "X-Persistent: false\r\n")
        #expect(transient.status == 201)
    }
}

/// A durable store whose every sync fails (a disk that refuses fsync).
private final class FailingSyncQueueStore: QueueStore {
    struct SyncFailed: Error {}
    private(set) var appendCount: UInt64 = 0
    let durableAppendCount: UInt64 = 0
    let failedAppendCount: UInt64 = 0
    var needsSync: Bool { self.appendCount > 0 }

    func append(_ message: Message, queue: QueueStoreKey) -> UInt64? {
        self.appendCount += 1
        return self.appendCount
    }
    func delivered(sequence: UInt64, queue: QueueStoreKey) {}
    func countDeliveries(_ deliveries: Int, sequence: UInt64, queue: QueueStoreKey) {}
    func settle(sequence: UInt64, queue: QueueStoreKey) {}
    func recover(queue: QueueStoreKey) -> [StoredMessage] { [] }
    func removeQueue(_ queue: QueueStoreKey) {}
    func writeBuffered() {}
    func sync() throws { throw SyncFailed() }
}

@Suite struct HTTPPublishSyncFailureTests {
    @Test func aPublishWhoseSyncFailsGetsA500() throws {
        let broker = Broker(
            clock: ManualBrokerClock(), logger: Logger(label: "test"), queueStore: FailingSyncQueueStore())
        let harness = try HTTPHarness(configuration: .init(maxBodyBytes: 4096), broker: broker)
        #expect(try harness.request("PUT", "/api/queues/%2F/jobs", body: #"{"durable":true}"#).status == 201)
        try harness.send(
            "POST", "/api/v1/exchanges/%2F/amq.default/messages?routing_key=jobs", body: "x",
            headers: HTTPHarness.guest + "X-Persistent: true\r\n")
        #expect(try harness.readResponse() == nil)
        broker.durability.groupCommitTimerFired()
        let answer = try #require(try harness.readResponse())
        #expect(answer.status == 500)
        #expect(answer.json?["error"] == .string("internal_error"))
    }
}
