import JunctionAMQPCodec
import JunctionModel

/// The client side of connection and channel setup, without I/O: frames in, frames to send out.
///
/// protocol header → start/start-ok (PLAIN guest/guest) → tune/tune-ok + open → open-ok → channel.open (1) →
/// the setup methods one by one, each waiting for its -ok (topology declarations, then confirm.select for
/// publishers or basic.qos and basic.consume for consumers) → ready.
struct AMQPBenchHandshake {
    enum Action: Equatable {
        /// Write these frames and flush.
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
        /// `remaining` setup methods follow the one whose -ok is awaited.
        case settingUp(frameMax: Int, remaining: ArraySlice<AMQPMethod>)
        case ready
        case failed
    }

    /// The channel the bench uses on each connection.
    static let channel: AMQPChannelID = 1
    /// The largest frame the bench asks for.
    static let preferredFrameMax = 131_072

    private let setup: [AMQPMethod]
    private var state = State.awaitingStart

    /// `setup`: the synchronous channel methods to run in order after channel.open.
    init(setup: [AMQPMethod]) {
        self.setup = setup
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
            return self.next(frameMax: frameMax, remaining: self.setup[...])

        case (.settingUp(let frameMax, let remaining), .method(Self.channel, let method))
        where Self.isSetupReply(method):
            return self.next(frameMax: frameMax, remaining: remaining)

        case (_, .method(_, .connectionClose(let close))):
            return self.fail("server closed the connection: \(close.replyCode) \(close.replyText)")
        case (_, .method(_, .channelClose(let close))):
            return self.fail("server closed the channel: \(close.replyCode) \(close.replyText)")
        case (_, .heartbeat), (.failed, _), (.ready, _):
            return .none
        case (.awaitingStart, _), (.awaitingTune, _), (.awaitingOpenOk, _), (.awaitingChannelOpenOk, _),
            (.settingUp, _):
            return self.fail("unexpected frame during setup: \(frame)")
        }
    }

    private mutating func next(frameMax: Int, remaining: ArraySlice<AMQPMethod>) -> Action {
        guard let method = remaining.first else {
            self.state = .ready
            return .ready(frameMax: frameMax)
        }
        self.state = .settingUp(frameMax: frameMax, remaining: remaining.dropFirst())
        return .send([.method(Self.channel, method)])
    }

    private static func isSetupReply(_ method: AMQPMethod) -> Bool {
        switch method {
        case .exchangeDeclareOk, .queueDeclareOk, .queueBindOk, .confirmSelectOk, .basicQosOk, .basicConsumeOk:
            true
        default:
            false
        }
    }

    private mutating func fail(_ reason: String) -> Action {
        self.state = .failed
        return .fail(reason)
    }
}
