import JunctionCore
import JunctionCoreTestSupport
import NIOCore
import Testing

@testable import JunctionMQTT
@testable import JunctionMQTTCodec

/// A session store whose staged writes wait until the test finishes them, as the durable store's group
/// commit on the I/O thread does.
final class HeldSessionStore: MQTTSessionStore {
    let stored = InMemorySessionStore()
    private var held: [(MQTTSessionWrite, ((any Error)?) -> Void)] = []

    func load(clientID: String) throws -> MQTTSessionRecord? { self.stored.load(clientID: clientID) }
    func save(_ record: MQTTSessionRecord) throws { self.stored.save(record) }
    func remove(clientID: String) throws { self.stored.remove(clientID: clientID) }
    func saveInFlight(clientID: String, inboundAwaitingRelease: Set<UInt16>, awaitingCompletion: Set<UInt16>) throws {
        self.stored.saveInFlight(
            clientID: clientID, inboundAwaitingRelease: inboundAwaitingRelease, awaitingCompletion: awaitingCompletion)
    }
    func restoredSessions() -> [MQTTRestoredSession] { [] }

    func stage(_ write: MQTTSessionWrite, completion: @escaping ((any Error)?) -> Void) {
        self.held.append((write, completion))
    }

    var heldCount: Int { self.held.count }

    /// Finishes every held write: stored, or failed with `error`.
    func finish(failing error: (any Error)? = nil) {
        let held = self.held
        self.held = []
        for (write, completion) in held {
            if error == nil {
                switch write {
                case .save(let record): self.stored.save(record)
                case .inFlight(let clientID, let inbound, let awaiting):
                    self.stored.saveInFlight(
                        clientID: clientID, inboundAwaitingRelease: inbound, awaitingCompletion: awaiting)
                case .remove(let clientID): self.stored.remove(clientID: clientID)
                }
            }
            completion(error)
        }
    }
}

/// A persistent session's QoS 2 delivery is settled in the engine only once the PUBREL owed for it is
/// stored. Before, the PUBREC settled it at once while the PUBREL state waited for the session store's
/// group commit: a kill in between lost the message (the client hands a QoS 2 message to its application
/// on PUBREL, and the restarted broker neither had the message nor knew it owed a PUBREL). The crash loop
/// found it (`scripts/crashloop`, mqtt-q2: "1 confirmed messages never delivered").
@Suite struct MQTTExactlyOnceSettleTests {
    struct InjectedFailure: Error {}
    let store = HeldSessionStore()
    let broker: MQTTTestBroker

    init() {
        self.broker = MQTTTestBroker(sessions: self.store)
    }

    /// A persistent QoS 2 subscriber with one message delivered, and its session queue.
    private func delivered() throws -> (MQTTTestClient, MessageQueue, MQTTPacketID) {
        let subscriber = try self.broker.client(.v311)
        try subscriber.send(
            .connect(MQTTConnect(protocolVersion: .v311, clientID: "s", cleanStart: false, keepAlive: 60)))
        self.store.finish()
        _ = try subscriber.received()
        try subscriber.send(
            .subscribe(
                MQTTSubscribe(
                    packetID: MQTTPacketID(1), subscriptions: [MQTTSubscription(filter: "t", qos: .exactlyOnce)])
            ))
        self.store.finish()
        _ = try subscriber.received()
        let publisher = try self.broker.client(.v5)
        try publisher.connect(clientID: "p")
        try publisher.publish("t", "exactly once", qos: .exactlyOnce, id: 1)
        let publishes = try subscriber.publishes()
        #expect(publishes.map(\.payload) == [ByteBuffer(string: "exactly once")])
        let id = try #require(publishes.first?.packetID)
        let queue = try #require(
            self.broker.broker.virtualHost("/")?.queue(named: MQTTServerState.queueName(clientID: "s")))
        #expect(queue.unackedCount == 1)
        return (subscriber, queue, id)
    }

    @Test func thePubRecSettlesOnlyOnceThePubRelStateIsStored() throws {
        let (subscriber, queue, id) = try self.delivered()
        try subscriber.send(.pubRec(MQTTPublishResponse(packetID: id)))
        #expect(self.store.heldCount == 1, "the PUBREL state is staged")
        #expect(queue.unackedCount == 1, "settled before its PUBREL state was stored")
        #expect(try subscriber.received().isEmpty, "the PUBREL left before its state was stored")
        self.store.finish()
        #expect(queue.unackedCount == 0)
        #expect(queue.readyCount == 0)
        #expect(try subscriber.received() == [.pubRel(MQTTPublishResponse(packetID: id))])
        #expect(self.store.stored.load(clientID: "s")?.awaitingCompletion == [id.rawValue])
    }

    @Test func aFailedStoreSendsNoPubRelAndTheMessageComesBack() throws {
        let (subscriber, queue, id) = try self.delivered()
        try subscriber.send(.pubRec(MQTTPublishResponse(packetID: id)))
        self.store.finish(failing: InjectedFailure())
        #expect(!subscriber.isActive)
        #expect(queue.unackedCount == 0)
        #expect(queue.readyCount == 1, "the message is back in the session queue")
    }

    /// The same for the inbound side: a PUBREC leaves only once the id it promises to remember is stored.
    /// Before, a PUBREC sent while the burst was read went out with the flush scheduled then, ahead of the
    /// session write.
    @Test func aPubRecLeavesOnlyOnceItsIdIsStored() throws {
        let publisher = try self.broker.client(.v311)
        try publisher.send(
            .connect(MQTTConnect(protocolVersion: .v311, clientID: "p2", cleanStart: false, keepAlive: 60)))
        self.store.finish()
        _ = try publisher.received()
        try publisher.publish("nobody", "exactly once", qos: .exactlyOnce, id: 7)
        #expect(try publisher.received().isEmpty, "the PUBREC left before its id was stored")
        self.store.finish()
        #expect(try publisher.received() == [.pubRec(MQTTPublishResponse(packetID: MQTTPacketID(7)))])
        #expect(self.store.stored.load(clientID: "p2")?.inboundAwaitingRelease == [7])
    }
}
