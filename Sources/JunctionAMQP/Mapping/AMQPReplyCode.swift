/// The reply codes of AMQP 0-9-1 (section 1.9 of the specification) that Junction sends.
public enum AMQPReplyCode: UInt16, Sendable {
    case success = 200
    case contentTooLarge = 311
    case noRoute = 312
    case connectionForced = 320
    case invalidPath = 402
    case accessRefused = 403
    case notFound = 404
    case resourceLocked = 405
    case preconditionFailed = 406
    case frameError = 501
    case syntaxError = 502
    case commandInvalid = 503
    case channelError = 504
    case unexpectedFrame = 505
    case resourceError = 506
    case notAllowed = 530
    case notImplemented = 540
    case internalError = 541

    /// The symbolic name RabbitMQ puts in front of every reply text, which clients and users grep for.
    public var name: String {
        switch self {
        case .success: "OK"
        case .contentTooLarge: "CONTENT_TOO_LARGE"
        case .noRoute: "NO_ROUTE"
        case .connectionForced: "CONNECTION_FORCED"
        case .invalidPath: "INVALID_PATH"
        case .accessRefused: "ACCESS_REFUSED"
        case .notFound: "NOT_FOUND"
        case .resourceLocked: "RESOURCE_LOCKED"
        case .preconditionFailed: "PRECONDITION_FAILED"
        case .frameError: "FRAME_ERROR"
        case .syntaxError: "SYNTAX_ERROR"
        case .commandInvalid: "COMMAND_INVALID"
        case .channelError: "CHANNEL_ERROR"
        case .unexpectedFrame: "UNEXPECTED_FRAME"
        case .resourceError: "RESOURCE_ERROR"
        case .notAllowed: "NOT_ALLOWED"
        case .notImplemented: "NOT_IMPLEMENTED"
        case .internalError: "INTERNAL_ERROR"
        }
    }

    /// Hard errors close the connection; soft errors close only the channel (spec 1.9).
    public var closesConnection: Bool {
        switch self {
        case .accessRefused, .notFound, .resourceLocked, .preconditionFailed, .contentTooLarge, .noRoute, .success:
            false
        case .connectionForced, .invalidPath, .frameError, .syntaxError, .commandInvalid, .channelError,
            .unexpectedFrame, .resourceError, .notAllowed, .notImplemented, .internalError:
            true
        }
    }
}
