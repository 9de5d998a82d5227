/// A failure of a broker operation, independent of protocol. Each adapter maps it to its wire
/// error in exactly one place (AMQP reply code, MQTT reason code, STOMP ERROR, HTTP status).
public struct BrokerError: Error, Sendable, Hashable, CustomStringConvertible {
    public enum Kind: Sendable, Hashable {
        /// AMQP 404: exchange, queue or vhost does not exist.
        case notFound
        /// AMQP 403: permissions, internal exchange, reserved `amq.` name.
        case accessRefused
        /// AMQP 405: exclusive queue owned by another connection.
        case resourceLocked
        /// AMQP 406: declaration does not match, delete if-unused/if-empty failed, bad argument.
        case preconditionFailed
        /// AMQP 530: operation not allowed (e.g. vhost access).
        case notAllowed
        /// AMQP 540: a feature the broker does not implement.
        case notImplemented
        /// AMQP 506: a limit or an internal failure.
        case resourceError
        /// AMQP 541.
        case internalError
        /// AMQP 503: a command that is invalid in itself (e.g. an unknown exchange type); closes the connection.
        case commandInvalid
    }

    public var kind: Kind
    public var detail: String

    public init(_ kind: Kind, _ detail: String) {
        self.kind = kind
        self.detail = detail
    }

    public var description: String { "\(self.kind): \(self.detail)" }

    public static func notFound(_ detail: String) -> BrokerError { BrokerError(.notFound, detail) }
    public static func accessRefused(_ detail: String) -> BrokerError { BrokerError(.accessRefused, detail) }
    public static func resourceLocked(_ detail: String) -> BrokerError { BrokerError(.resourceLocked, detail) }
    public static func preconditionFailed(_ detail: String) -> BrokerError { BrokerError(.preconditionFailed, detail) }
    public static func notAllowed(_ detail: String) -> BrokerError { BrokerError(.notAllowed, detail) }
    public static func notImplemented(_ detail: String) -> BrokerError { BrokerError(.notImplemented, detail) }
    public static func commandInvalid(_ detail: String) -> BrokerError { BrokerError(.commandInvalid, detail) }
    public static func internalError(_ detail: String) -> BrokerError { BrokerError(.internalError, detail) }
}
