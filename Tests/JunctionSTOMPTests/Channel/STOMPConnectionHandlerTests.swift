import JunctionCore
import JunctionCoreTestSupport
import JunctionModel
import JunctionTransport
import Logging
import NIOCore
import NIOEmbedded
import Testing

@testable import JunctionSTOMP
@testable import JunctionSTOMPCodec

@Suite("STOMP connection handler")
struct STOMPConnectionHandlerTests {
    let broker = Broker(logger: Logger(label: "test"))

    @Test func connectAnswersConnected() throws {
        let peer = try STOMPTestPeer(broker: self.broker)
        let connected = try peer.connect([
            "accept-version": "1.1,1.2", "host": "broker.example.com", "heart-beat": "0,0",
        ])
        #expect(connected?.command == .connected)
        #expect(connected?.headers["version"] == "1.2")
        #expect(connected?.headers["heart-beat"] == "0,0")
    }

    @Test func badLoginIsAnErrorThenClose() throws {
        let peer = try STOMPTestPeer(broker: self.broker)
        let reply = try peer.connect(["accept-version": "1.2", "login": "guest", "passcode": "wrong"])
        #expect(reply?.command == .error)
        #expect(reply?.headers["message"] == "Bad CONNECT")
        #expect(!peer.isActive)
    }

    @Test func guestOnlyFromLoopback() throws {
        let peer = try STOMPTestPeer(broker: self.broker, isLoopback: false)
        #expect(try peer.connect()?.command == .error)
    }

    /// Anonymous logins are for loopback peers only, even when the anonymous account itself may
    /// log in from anywhere; a named login from the same peer still works.
    @Test func anonymousLoginOnlyFromLoopback() throws {
        try self.broker.grantEverything(to: "anyone")
        let configuration = STOMPAdapterConfiguration(defaultLogin: "anyone", defaultPasscode: "x")
        let remote = try STOMPTestPeer(broker: self.broker, isLoopback: false, configuration: configuration)
        #expect(try remote.connect(["accept-version": "1.2"])?.command == .error)
        let named = try STOMPTestPeer(
            broker: self.broker, connectionID: 2, isLoopback: false, configuration: configuration)
        #expect(
            try named.connect(["accept-version": "1.2", "login": "anyone", "passcode": "x"])?.command == .connected)
        let local = try STOMPTestPeer(broker: self.broker, connectionID: 3, configuration: configuration)
        #expect(try local.connect(["accept-version": "1.2"])?.command == .connected)
    }

    @Test func sendToQueueReachesSubscriberWithReceipt() throws {
        let peer = try STOMPTestPeer(broker: self.broker)
        try peer.connect()
        try peer.send(.subscribe, ["destination": "/queue/q", "id": "s", "ack": "client-individual", "receipt": "r0"])
        #expect(try peer.frames() == [STOMPFrame(.receipt, headers: ["receipt-id": "r0"])])
        try peer.send(.send, ["destination": "/queue/q", "receipt": "r1", "custom": "a:b"], body: "hi")
        let frames = try peer.frames()
        #expect(frames.count == 2)
        let message = frames[0]
        #expect(message.command == .message)
        #expect(message.headers["subscription"] == "s")
        #expect(message.headers["destination"] == "/queue/q")
        #expect(message.headers["custom"] == "a:b")
        #expect(message.body == ByteBuffer(string: "hi"))
        #expect(frames[1] == STOMPFrame(.receipt, headers: ["receipt-id": "r1"]))
        #expect(self.broker.virtualHost("/")?.queue(named: "q")?.unackedCount == 1)
        try peer.send(.ack, ["id": message.headers["ack"]!])
        #expect(self.broker.virtualHost("/")?.queue(named: "q")?.unackedCount == 0)
        #expect(self.broker.virtualHost("/")?.queue(named: "q")?.readyCount == 0)
    }

    /// A SUBSCRIBE to a queue that already holds messages: its RECEIPT comes before the first MESSAGE, so a
    /// client that reads up to the receipt before consuming (junction-bench did) does not meet MESSAGE first.
    @Test func subscribeReceiptPrecedesTheBacklogsMessages() throws {
        let peer = try STOMPTestPeer(broker: self.broker)
        try peer.connect()
        for n in 0..<3 { try peer.send(.send, ["destination": "/queue/backlog"], body: "m\(n)") }
        #expect(try peer.frames().isEmpty)
        try peer.send(.subscribe, ["destination": "/queue/backlog", "id": "s", "receipt": "r0"])
        let frames = try peer.frames()
        #expect(frames.map(\.command) == [.receipt, .message, .message, .message])
        #expect(frames.first?.headers["receipt-id"] == "r0")
        #expect(frames.dropFirst().map(\.body) == (0..<3).map { ByteBuffer(string: "m\($0)") })
    }

    @Test func nackRequeuesAndRedelivers() throws {
        let peer = try STOMPTestPeer(broker: self.broker)
        try peer.connect()
        try peer.send(.subscribe, ["destination": "/queue/n", "id": "s", "ack": "client"])
        try peer.send(.send, ["destination": "/queue/n"], body: "x")
        let first = try peer.frames()[0]
        #expect(first.headers["redelivered"] == "false")
        try peer.send(.nack, ["id": first.headers["ack"]!])
        let again = try peer.frames()[0]
        #expect(again.headers["redelivered"] == "true")
    }

    @Test func clientAckIsCumulative() throws {
        let peer = try STOMPTestPeer(broker: self.broker)
        try peer.connect()
        try peer.send(.subscribe, ["destination": "/queue/c", "id": "s", "ack": "client"])
        for index in 0..<3 { try peer.send(.send, ["destination": "/queue/c"], body: "\(index)") }
        let messages = try peer.frames()
        #expect(messages.count == 3)
        try peer.send(.ack, ["id": messages[1].headers["ack"]!])
        #expect(self.broker.virtualHost("/")?.queue(named: "c")?.unackedCount == 1)
    }

    @Test func prefetchLimitsUnacked() throws {
        let peer = try STOMPTestPeer(broker: self.broker)
        try peer.connect()
        try peer.send(
            .subscribe, ["destination": "/queue/p", "id": "s", "ack": "client-individual", "prefetch-count": "1"])
        try peer.send(.send, ["destination": "/queue/p"], body: "1")
        try peer.send(.send, ["destination": "/queue/p"], body: "2")
        let messages = try peer.frames()
        #expect(messages.count == 1)
        try peer.send(.ack, ["id": messages[0].headers["ack"]!])
        #expect(try peer.frames().map { String(buffer: $0.body) } == ["2"])
    }

    @Test func topicFansOutToEachSubscriber() throws {
        let one = try STOMPTestPeer(broker: self.broker, connectionID: 1)
        let two = try STOMPTestPeer(broker: self.broker, connectionID: 2)
        try one.connect()
        try two.connect()
        try one.send(.subscribe, ["destination": "/topic/a.*", "id": "1"])
        try two.send(.subscribe, ["destination": "/topic/#", "id": "1"])
        try one.send(.send, ["destination": "/topic/a.b"], body: "t")
        #expect(try one.frames().map { $0.headers["destination"] } == ["/topic/a.b"])
        #expect(try two.frames().map { $0.headers["destination"] } == ["/topic/a.b"])
    }

    @Test func transactionAppliesOnCommitOnly() throws {
        let peer = try STOMPTestPeer(broker: self.broker)
        try peer.connect()
        try peer.send(.begin, ["transaction": "t"])
        try peer.send(.send, ["destination": "/queue/tx", "transaction": "t"], body: "x")
        #expect(self.broker.virtualHost("/")?.queue(named: "tx") == nil)
        try peer.send(.commit, ["transaction": "t", "receipt": "c"])
        #expect(try peer.frames() == [STOMPFrame(.receipt, headers: ["receipt-id": "c"])])
        #expect(self.broker.virtualHost("/")?.queue(named: "tx")?.readyCount == 1)
    }

    @Test func disconnectSendsReceiptAndCloses() throws {
        let peer = try STOMPTestPeer(broker: self.broker)
        try peer.connect()
        try peer.send(.disconnect, ["receipt": "bye"])
        #expect(try peer.frames() == [STOMPFrame(.receipt, headers: ["receipt-id": "bye"])])
        #expect(!peer.isActive)
    }

    @Test(arguments: [
        ("FOO\n\n\0", "Unknown command"),
        ("SEND\nno-colon\n\n\0", "Malformed frame"),
        ("SEND\n\nbody\0", "Missing destination"),
        ("SEND\ndestination:/nowhere/x\n\n\0", "Unknown destination"),
        ("UNSUBSCRIBE\nid:nope\n\n\0", "Unknown subscription"),
        ("SEND\ndestination:/queue/a\ncontent-length:999999999999\n\n", "Frame too large"),
    ])
    func badInputIsAnErrorThenCloseAndOthersAreUnaffected(input: String, message: String) throws {
        let bad = try STOMPTestPeer(broker: self.broker, connectionID: 1)
        let good = try STOMPTestPeer(broker: self.broker, connectionID: 2)
        try bad.connect()
        try good.connect()
        try good.send(.subscribe, ["destination": "/queue/ok", "id": "s"])
        try bad.sendRaw(input)
        let frames = try bad.frames()
        #expect(frames.last?.command == .error)
        #expect(frames.last?.headers["message"] == message)
        #expect(!bad.isActive)
        try good.send(.send, ["destination": "/queue/ok"], body: "still fine")
        #expect(try good.frames().map { String(buffer: $0.body) } == ["still fine"])
    }

    @Test func disconnectRequeuesUnacked() throws {
        let peer = try STOMPTestPeer(broker: self.broker)
        try peer.connect()
        try peer.send(.subscribe, ["destination": "/queue/r", "id": "s", "ack": "client"])
        try peer.send(.send, ["destination": "/queue/r"], body: "x")
        #expect(try peer.frames().count == 1)
        try peer.channel.close().wait()
        #expect(self.broker.virtualHost("/")?.queue(named: "r")?.readyCount == 1)
    }

    @Test func durableTopicSubscriptionSurvivesDisconnect() throws {
        let first = try STOMPTestPeer(broker: self.broker, connectionID: 1)
        try first.connect()
        try first.send(.subscribe, ["destination": "/topic/d", "id": "dur", "durable": "true"])
        try first.channel.close().wait()
        let publisher = try STOMPTestPeer(broker: self.broker, connectionID: 2)
        try publisher.connect()
        try publisher.send(.send, ["destination": "/topic/d"], body: "while away")
        let second = try STOMPTestPeer(broker: self.broker, connectionID: 3)
        try second.connect()
        try second.send(.subscribe, ["destination": "/topic/d", "id": "dur", "durable": "true"])
        #expect(try second.frames().map { String(buffer: $0.body) } == ["while away"])
    }

    @Test func tempQueueReplyToIsRewrittenAndAnswered() throws {
        let peer = try STOMPTestPeer(broker: self.broker)
        try peer.connect()
        try peer.send(.subscribe, ["destination": "/queue/requests", "id": "req"])
        try peer.send(.send, ["destination": "/queue/requests", "reply-to": "/temp-queue/rq"], body: "ping")
        let request = try peer.frames()[0]
        let replyTo = try #require(request.headers["reply-to"])
        #expect(replyTo.hasPrefix("amq.gen-"))
        _ = try self.broker.virtualHost("/")!.publish(
            Message(exchange: "", routingKey: replyTo, body: ByteBuffer(string: "pong")))
        let reply = try peer.frames()
        #expect(reply.map { $0.headers["subscription"] } == ["/temp-queue/rq"])
        #expect(reply.map { $0.headers["destination"] } == ["/temp-queue/rq"])
    }

    @Test func oneWriteForAReadBurst() throws {
        let peer = try STOMPTestPeer(broker: self.broker)
        try peer.connect()
        var burst = ByteBuffer()
        burst.writeSTOMPFrame(
            STOMPFrame(.subscribe, headers: ["destination": "/queue/burst", "id": "s"]), version: .v1_2)
        for index in 0..<5 {
            burst.writeSTOMPFrame(
                STOMPFrame(
                    .send, headers: ["destination": "/queue/burst", "receipt": "\(index)"],
                    body: ByteBuffer(string: "m")),
                version: .v1_2
            )
        }
        try peer.channel.writeInbound(burst)
        peer.channel.embeddedEventLoop.run()
        var writes = 0
        var bytes = ByteBuffer()
        while var buffer = try peer.channel.readOutbound(as: ByteBuffer.self) {
            writes += 1
            bytes.writeBuffer(&buffer)
        }
        #expect(writes == 1)
        var decoder = STOMPFrameDecoder(version: .v1_2)
        var commands: [STOMPCommand] = []
        while case .frame(let frame)? = try decoder.decode(buffer: &bytes) { commands.append(frame.command) }
        #expect(commands == Array(repeating: [.message, .receipt], count: 5).flatMap { $0 })
    }

    @Test func shutdownSendsErrorAndCloses() throws {
        let peer = try STOMPTestPeer(broker: self.broker)
        try peer.connect()
        peer.channel.pipeline.fireUserInboundEventTriggered(BrokerShutdownEvent())
        let frames = try peer.frames()
        #expect(frames.map(\.command) == [.error])
        #expect(frames.first?.headers["message"] == "Server shutdown")
        #expect(!peer.isActive)
    }

    @Test func nackWithoutRequeueDeadLetters() throws {
        let vhost = try #require(self.broker.virtualHost("/"))
        _ = try vhost.declareQueue(
            "dlq",
            durable: false,
            exclusive: false,
            autoDelete: false,
            arguments: [:],
            passive: false,
            owner: ConnectionID(99)
        )
        try vhost.bindQueue("dlq", exchange: "amq.fanout", routingKey: "", arguments: [:], owner: ConnectionID(99))
        let peer = try STOMPTestPeer(broker: self.broker)
        try peer.connect()
        try peer.send(
            .subscribe,
            [
                "destination": "/queue/work", "id": "s", "ack": "client-individual",
                "x-dead-letter-exchange": "amq.fanout",
            ]
        )
        try peer.send(.send, ["destination": "/queue/work"], body: "poison")
        let message = try #require(try peer.frames().first)
        try peer.send(.nack, ["id": message.headers["ack"]!, "requeue": "false"])
        #expect(vhost.queue(named: "work")?.readyCount == 0)
        #expect(vhost.queue(named: "work")?.unackedCount == 0)
        #expect(vhost.queue(named: "dlq")?.readyCount == 1)
    }

    @Test func hostNamingAVirtualHostSelectsIt() throws {
        let other = self.broker.addVirtualHost("other")
        let peer = try STOMPTestPeer(broker: self.broker)
        try self.broker.setPermissions(user: "guest", virtualHost: "other", configure: ".*", write: ".*", read: ".*")
        try peer.connect(["accept-version": "1.2", "host": "other", "login": "guest", "passcode": "guest"])
        try peer.send(.send, ["destination": "/queue/in-other"], body: "x")
        #expect(other.queue(named: "in-other")?.readyCount == 1)
        #expect(self.broker.virtualHost("/")?.queue(named: "in-other") == nil)
    }
}
