import JunctionCore
import JunctionCoreTestSupport
import JunctionModel
import Logging
import NIOCore
import Testing

@testable import JunctionSTOMP
@testable import JunctionSTOMPCodec

/// A RECEIPT for a SEND that stored a persistent message in a durable queue goes out only after the
/// store's group commit made it durable (ARCHITECTURE "Storage": receipts, like confirms, mean on disk).
@Suite("STOMP durable receipts")
struct STOMPDurableReceiptTests {
    let store = GroupCommitTestStore()
    let broker: Broker

    init() {
        self.broker = Broker(logger: Logger(label: "test"), queueStore: self.store)
    }

    private func connectedPeer() throws -> STOMPTestPeer {
        let peer = try STOMPTestPeer(broker: self.broker)
        try peer.connect(["accept-version": "1.2", "heart-beat": "0,0"])
        return peer
    }

    private static func receipt(_ id: String) -> STOMPFrame {
        STOMPFrame(.receipt, headers: ["receipt-id": id])
    }

    @Test func persistentSendToDurableQueueIsReceiptedAfterSync() throws {
        let peer = try self.connectedPeer()
        try peer.send(.send, ["destination": "/queue/d", "persistent": "true", "receipt": "r1"], body: "kept")
        #expect(try peer.frames() == [])
        #expect(self.store.appendCount == 1)
        self.broker.durability.syncNow()
        #expect(try peer.frames() == [Self.receipt("r1")])
        let stored = self.store.recover(queue: QueueStoreKey(virtualHost: "/", queue: "d"))
        #expect(stored.map(\.message.properties.deliveryMode) == [2])
    }

    @Test func transientSendOrNonDurableDestinationIsReceiptedAtOnce() throws {
        let peer = try self.connectedPeer()
        try peer.send(.send, ["destination": "/queue/d", "receipt": "r1"], body: "transient")
        try peer.send(.send, ["destination": "/topic/t", "persistent": "true", "receipt": "r2"], body: "unrouted")
        #expect(try peer.frames() == [Self.receipt("r1"), Self.receipt("r2")])
        #expect(self.store.appendCount == 0)
    }

    @Test func laterReceiptsWaitBehindAHeldOne() throws {
        let peer = try self.connectedPeer()
        try peer.send(.send, ["destination": "/queue/d", "persistent": "true", "receipt": "r1"], body: "a")
        try peer.send(.subscribe, ["destination": "/queue/other", "id": "s", "receipt": "r2"])
        #expect(try peer.frames() == [])
        self.broker.durability.syncNow()
        #expect(try peer.frames() == [Self.receipt("r1"), Self.receipt("r2")])
        try peer.send(.unsubscribe, ["id": "s", "receipt": "r3"])
        #expect(try peer.frames() == [Self.receipt("r3")])
    }

    @Test func persistentSendWithoutReceiptMakesTheNextReceiptWait() throws {
        let peer = try self.connectedPeer()
        try peer.send(.send, ["destination": "/queue/d", "persistent": "true"], body: "a")
        try peer.send(.send, ["destination": "/queue/d", "receipt": "r1"], body: "b")
        #expect(try peer.frames() == [])
        self.broker.durability.syncNow()
        #expect(try peer.frames() == [Self.receipt("r1")])
    }

    @Test func disconnectReceiptWaitsThenCloses() throws {
        let peer = try self.connectedPeer()
        try peer.send(.send, ["destination": "/queue/d", "persistent": "true"], body: "a")
        try peer.send(.disconnect, ["receipt": "bye"])
        #expect(try peer.frames() == [])
        #expect(peer.isActive)
        self.broker.durability.syncNow()
        #expect(try peer.frames() == [Self.receipt("bye")])
        #expect(!peer.isActive)
    }

    @Test func failedSyncIsAnErrorForTheHeldReceipt() throws {
        let peer = try self.connectedPeer()
        try peer.send(.send, ["destination": "/queue/d", "persistent": "true", "receipt": "r1"], body: "a")
        self.store.failsNextSync = true
        self.broker.durability.syncNow()
        let frames = try peer.frames()
        #expect(frames.count == 1)
        #expect(frames.first?.command == .error)
        #expect(frames.first?.headers["message"] == "internal_error")
        #expect(frames.first?.headers["receipt-id"] == "r1")
        #expect(!peer.isActive)
    }

    @Test func anotherConnectionIsNotHeldBack() throws {
        let holder = try self.connectedPeer()
        try holder.send(.send, ["destination": "/queue/d", "persistent": "true", "receipt": "r1"], body: "a")
        let other = try STOMPTestPeer(broker: self.broker, connectionID: 2)
        try other.connect(["accept-version": "1.2", "heart-beat": "0,0"])
        try other.send(.send, ["destination": "/queue/d", "receipt": "o1"], body: "b")
        #expect(try other.frames() == [Self.receipt("o1")])
        #expect(try holder.frames() == [])
    }
}
