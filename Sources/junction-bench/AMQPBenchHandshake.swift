import JunctionAMQP
// Only for the value types in the codec's API (FieldTable); the bench uses no Core engine.
import JunctionCore

/// The client side of connection and channel setup, without I/O: frames in, frames to send out.
///
/// protocol header → start/start-ok (PLAIN guest/guest) → tune/tune-ok + open → open-ok → channel.open (1) →
/// queue.declare → publishers: confirm.select when confirming; consumers: basic.qos when prefetching with
/// manual acks, then basic.consume → ready.
struct AMQPBenchHandshake {
    enum Role: Sendable {
        case publisher(confirm: Bool)
        case consumer(prefetch: Int, noAck: Bool)
    }

    enum Action: Equatable {
        /// Write these method frames (channel, method) and flush.
        case send([AMQPFrame])
        /// Setup is complete; body frames may be this large, overhead included.
        case ready(frameMax: Int)
        case fail(String)
        case none
    }

    private enum State {
        case awaitingStart
        case awaitingTune
        case awaitingOpenOk(frameMax: Int)
        case awaitingChannelOpenOk(frameMax: Int)
        case awaitingDeclareOk(frameMax: Int)
        case awaitingConfirmSelectOk(frameMax: Int)
        case awaitingQosOk(frameMax: Int)
        case awaitingConsumeOk(frameMax: Int)
        case ready
        case failed
    }

    /// The channel the bench uses on each connection.
    static let channel: AMQPChannelID = 1
    /// The largest frame the bench asks for.
    static let preferredFrameMax = 131_072

    private let role: Role
    private let queue: String
    private var state = State.awaitingStart

    init(role: Role, queue: String) {
        self.role = role
        self.queue = queue
    }

    mutating func frameReceived(_ frame: AMQPFrame) -> Action {
        switch (self.state, frame) {
        case (.awaitingStart, .method(0, .connectionStart(let start))):
            guard start.mechanisms.split(separator: " ").contains("PLAIN") else {
                return self.fail("server does not offer PLAIN (offers \(start.mechanisms))")
            }
            self.state = .awaitingTune
            let response: [UInt8] = [0] + Array("guest".utf8) + [0] + Array("guest".utf8)
            let startOk = AMQPConnectionStartOk(
                clientProperties: ["product": .string("junction-bench")], mechanism: "PLAIN", response: response,
                locale: "en_US")
            return .send([.method(0, .connectionStartOk(startOk))])

        case (.awaitingTune, .method(0, .connectionTune(let tune))):
            let serverMax = tune.frameMax == 0 ? Self.preferredFrameMax : Int(tune.frameMax)
            let frameMax = min(serverMax, Self.preferredFrameMax)
            self.state = .awaitingOpenOk(frameMax: frameMax)
            let tuneOk = AMQPConnectionTuneOk(channelMax: tune.channelMax, frameMax: UInt32(frameMax), heartbeat: 0)
            return .send([
                .method(0, .connectionTuneOk(tuneOk)),
                .method(0, .connectionOpen(AMQPConnectionOpen(virtualHost: "/"))),
            ])

        case (.awaitingOpenOk(let frameMax), .method(0, .connectionOpenOk)):
            self.state = .awaitingChannelOpenOk(frameMax: frameMax)
            return .send([.method(Self.channel, .channelOpen)])

        case (.awaitingChannelOpenOk(let frameMax), .method(Self.channel, .channelOpenOk)):
            self.state = .awaitingDeclareOk(frameMax: frameMax)
            return .send([.method(Self.channel, .queueDeclare(AMQPQueueDeclare(queue: self.queue, autoDelete: true)))])

        case (.awaitingDeclareOk(let frameMax), .method(Self.channel, .queueDeclareOk)):
            switch self.role {
            case .publisher(confirm: true):
                self.state = .awaitingConfirmSelectOk(frameMax: frameMax)
                return .send([.method(Self.channel, .confirmSelect(noWait: false))])
            case .publisher(confirm: false):
                self.state = .ready
                return .ready(frameMax: frameMax)
            case .consumer(let prefetch, let noAck) where prefetch > 0 && !noAck:
                self.state = .awaitingQosOk(frameMax: frameMax)
                return .send([.method(Self.channel, .basicQos(AMQPBasicQos(prefetchCount: UInt16(prefetch))))])
            case .consumer:
                return self.consume(frameMax: frameMax)
            }

        case (.awaitingConfirmSelectOk(let frameMax), .method(Self.channel, .confirmSelectOk)):
            self.state = .ready
            return .ready(frameMax: frameMax)

        case (.awaitingQosOk(let frameMax), .method(Self.channel, .basicQosOk)):
            return self.consume(frameMax: frameMax)

        case (.awaitingConsumeOk(let frameMax), .method(Self.channel, .basicConsumeOk)):
            self.state = .ready
            return .ready(frameMax: frameMax)

        case (_, .method(_, .connectionClose(let close))):
            return self.fail("server closed the connection: \(close.replyCode) \(close.replyText)")
        case (_, .method(_, .channelClose(let close))):
            return self.fail("server closed the channel: \(close.replyCode) \(close.replyText)")
        case (_, .heartbeat):
            return .none
        case (.failed, _):
            return .none
        case (.ready, _):
            return .none
        case (.awaitingStart, _), (.awaitingTune, _), (.awaitingOpenOk, _), (.awaitingChannelOpenOk, _),
            (.awaitingDeclareOk, _), (.awaitingConfirmSelectOk, _), (.awaitingQosOk, _), (.awaitingConsumeOk, _):
            return self.fail("unexpected frame during setup: \(frame)")
        }
    }

    private mutating func consume(frameMax: Int) -> Action {
        guard case .consumer(_, let noAck) = self.role else { return self.fail("only consumers consume") }
        self.state = .awaitingConsumeOk(frameMax: frameMax)
        return .send([.method(Self.channel, .basicConsume(AMQPBasicConsume(queue: self.queue, noAck: noAck)))])
    }

    private mutating func fail(_ reason: String) -> Action {
        self.state = .failed
        return .fail(reason)
    }
}
