import JunctionAMQPCodec
public import JunctionCore

/// An AMQP error as it goes on the wire: a reply code, a readable text, and the method that caused it.
/// Whether it closes the channel or the connection follows from the code (spec 1.9: hard vs soft errors).
public struct AMQPError: Error, Sendable, Equatable {
    public var code: AMQPReplyCode
    public var text: String
    public var classID: UInt16
    public var methodID: UInt16

    public init(_ code: AMQPReplyCode, _ detail: String, classID: UInt16 = 0, methodID: UInt16 = 0) {
        self.code = code
        self.text = "\(code.name) - \(detail)"
        self.classID = classID
        self.methodID = methodID
    }

    /// The one place broker failures become AMQP reply codes.
    public init(_ error: BrokerError, classID: UInt16 = 0, methodID: UInt16 = 0) {
        let code: AMQPReplyCode =
            switch error.kind {
            case .notFound: .notFound
            case .accessRefused: .accessRefused
            case .resourceLocked: .resourceLocked
            case .preconditionFailed: .preconditionFailed
            case .notAllowed: .notAllowed
            case .notImplemented: .notImplemented
            case .resourceError: .resourceError
            case .internalError: .internalError
            case .commandInvalid: .commandInvalid
            }
        self.init(code, error.detail, classID: classID, methodID: methodID)
    }

    public var closesConnection: Bool { self.code.closesConnection }
}

extension AMQPError {
    /// The one place decoding failures become connection.close reply codes (all are hard errors).
    init(_ error: any Error) {
        guard let decoding = error as? AMQPDecodingError else {
            self.init(.internalError, "\(error)")
            return
        }
        let code = AMQPReplyCode(rawValue: decoding.replyCode) ?? .frameError
        let method = decoding.failingMethod
        self.init(code, decoding.description, classID: method?.classID ?? 0, methodID: method?.methodID ?? 0)
    }
}
