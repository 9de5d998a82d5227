import JunctionAMQPCodec
import JunctionCore
import NIOCore

/// What a channel's frame sequencing asks for.
enum AMQPChannelAction: Equatable {
    /// A synchronous or asynchronous method to carry out (everything but publish).
    case execute(AMQPMethod)
    /// A complete publish: method, content header and the assembled body.
    case publish(AMQPBasicPublish, AMQPContentHeader, ByteBuffer)
    /// The peer opened this channel.
    case sendOpenOk
    /// The peer closed this channel: tear it down and reply close-ok.
    case sendCloseOk
    /// Close the channel with this soft error (we wait for close-ok).
    case sendClose(AMQPError)
    /// Our channel.close was acknowledged: the channel number is free again.
    case released
    /// A hard error: the whole connection closes.
    case closeConnection(AMQPError)
    case none
}

/// One channel's frame sequencing without I/O (spec 4.2.6 content framing, 4.2.3 channel lifecycle):
/// method frames, and for content-bearing methods exactly one header then body frames up to body-size.
struct AMQPChannelStateMachine {
    private enum State {
        case closed
        case open(Content)
        /// We sent channel.close; until close-ok arrives every other frame is discarded (spec 2.2.4? 4.2.6? 1.5.2.5).
        case closing
        case modifying
    }

    private enum Content {
        case idle
        case awaitingHeader(AMQPBasicPublish)
        case awaitingBody(AMQPBasicPublish, AMQPContentHeader, AMQPBodyAssembly)
    }

    private var state: State = .closed
    private let maxMessageSize: UInt64
    /// Normal until confirm.select or tx.select (see `AMQPChannelStateMachine+Publishing`).
    var mode: AMQPChannelMode = .normal

    init(maxMessageSize: UInt64) {
        self.maxMessageSize = maxMessageSize
    }

    /// Memory held for a body still arriving (it follows the bytes received, not the declared size).
    var bodyBytesReserved: Int {
        if case .open(.awaitingBody(_, _, let assembly)) = self.state { return assembly.reservedBytes }
        return 0
    }

    var isOpen: Bool {
        if case .open = self.state { return true }
        return false
    }

    var isClosed: Bool {
        if case .closed = self.state { return true }
        return false
    }

    mutating func frameReceived(_ frame: AMQPFrame) -> AMQPChannelAction {
        switch self.state {
        case .modifying:
            preconditionFailure("AMQPChannelStateMachine re-entered while modifying")
        case .closed:
            if case .method(let id, .channelOpen) = frame {
                _ = id
                self.state = .open(.idle)
                return .sendOpenOk
            }
            let (classID, methodID) = Self.methodIDs(frame)
            return .closeConnection(
                AMQPError(
                    .channelError,
                    "expected 'channel.open' on channel \(frame.channelID.rawValue)",
                    classID: classID,
                    methodID: methodID
                )
            )
        case .closing:
            if case .method(_, let method) = frame {
                switch method {
                case .channelCloseOk:
                    self.state = .closed
                    return .released
                case .channelClose:
                    // Both sides closed at once (spec 1.5.2.5): answer and we are done.
                    self.state = .closed
                    return .sendCloseOk
                default:
                    return .none
                }
            }
            return .none
        case .open(let content):
            self.state = .modifying
            let action = self.openFrameReceived(frame, content: content)
            if case .modifying = self.state { preconditionFailure("state not restored") }
            return action
        }
    }

    private mutating func openFrameReceived(_ frame: AMQPFrame, content: Content) -> AMQPChannelAction {
        switch (content, frame) {
        case (.idle, .method(_, let method)):
            switch method {
            case .channelOpen:
                self.state = .closed
                return .closeConnection(
                    AMQPError(.channelError, "second 'channel.open' seen", classID: 20, methodID: 10))
            case .channelClose:
                self.state = .closed
                return .sendCloseOk
            case .channelCloseOk:
                self.state = .open(.idle)
                return .none
            case .basicPublish(let publish):
                self.state = .open(.awaitingHeader(publish))
                return .none
            default:
                self.state = .open(.idle)
                return .execute(method)
            }
        case (.idle, .header), (.idle, .body):
            self.state = .open(.idle)
            return .closeConnection(AMQPError(.unexpectedFrame, "expected a method frame, got a content frame"))
        case (.awaitingHeader(let publish), .header(_, let header)):
            guard header.classID == 60 else {
                self.state = .open(.idle)
                return .closeConnection(AMQPError(.unexpectedFrame, "content header for class \(header.classID)"))
            }
            guard header.bodySize <= self.maxMessageSize else {
                self.state = .open(.idle)
                return .closeConnection(
                    AMQPError(
                        .frameError,
                        "message size \(header.bodySize) is larger than configured max size \(self.maxMessageSize)",
                        classID: 60,
                        methodID: 40
                    )
                )
            }
            if header.bodySize == 0 {
                self.state = .open(.idle)
                return .publish(publish, header, ByteBuffer())
            }
            self.state = .open(.awaitingBody(publish, header, AMQPBodyAssembly(declaredSize: header.bodySize)))
            return .none
        case (.awaitingBody(let publish, let header, var assembly), .body(_, let body)):
            switch assembly.append(body) {
            case .overrun:
                self.state = .open(.idle)
                return .closeConnection(
                    AMQPError(
                        .frameError, "content body exceeds the size declared in its header", classID: 60, methodID: 40)
                )
            case .complete(let assembled):
                self.state = .open(.idle)
                return .publish(publish, header, assembled)
            case .incomplete:
                self.state = .open(.awaitingBody(publish, header, assembly))
                return .none
            }
        case (.awaitingHeader, _), (.awaitingBody, _):
            self.state = .open(.idle)
            let (classID, methodID) = Self.methodIDs(frame)
            return .closeConnection(
                AMQPError(
                    .unexpectedFrame,
                    "expected content \(Self.expected(content)), got \(Self.describe(frame))",
                    classID: classID,
                    methodID: methodID
                )
            )
        case (_, .heartbeat):
            self.state = .open(content)
            return .closeConnection(AMQPError(.frameError, "heartbeat on a non-zero channel"))
        }
    }

    /// A soft error on this channel: close it and wait for close-ok.
    mutating func fail(_ error: AMQPError) -> AMQPChannelAction {
        switch self.state {
        case .open:
            self.state = .closing
            return .sendClose(error)
        case .closed, .closing:
            return .none
        case .modifying:
            preconditionFailure("AMQPChannelStateMachine re-entered while modifying")
        }
    }

    private static func expected(_ content: Content) -> String {
        switch content {
        case .idle: "method"
        case .awaitingHeader: "header"
        case .awaitingBody: "body"
        }
    }

    private static func describe(_ frame: AMQPFrame) -> String {
        switch frame {
        case .method(_, let method): "method \(method.classID).\(method.methodID)"
        case .header: "content header"
        case .body: "content body"
        case .heartbeat: "heartbeat"
        }
    }

    private static func methodIDs(_ frame: AMQPFrame) -> (UInt16, UInt16) {
        if case .method(_, let method) = frame { return (method.classID, method.methodID) }
        return (0, 0)
    }
}
