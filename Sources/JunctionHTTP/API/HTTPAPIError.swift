public import JunctionCore
public import NIOHTTP1

/// A failed request as the client sees it: a status and RabbitMQ's JSON error body
/// (`{"error": "not_found", "reason": "..."}`).
public struct HTTPAPIError: Error, Sendable, Equatable {
    public var status: HTTPResponseStatus
    public var error: String
    public var reason: String

    public init(status: HTTPResponseStatus, error: String, reason: String) {
        self.status = status
        self.error = error
        self.reason = reason
    }

    /// The one place where engine errors become HTTP statuses.
    public init(_ brokerError: BrokerError) {
        switch brokerError.kind {
        case .notFound:
            self.init(status: .notFound, error: "not_found", reason: brokerError.detail)
        case .accessRefused:
            self.init(status: .forbidden, error: "access_refused", reason: brokerError.detail)
        case .notAllowed:
            self.init(status: .forbidden, error: "not_allowed", reason: brokerError.detail)
        case .resourceLocked:
            self.init(status: .locked, error: "resource_locked", reason: brokerError.detail)
        case .preconditionFailed:
            self.init(status: .badRequest, error: "precondition_failed", reason: brokerError.detail)
        case .commandInvalid:
            self.init(status: .badRequest, error: "bad_request", reason: brokerError.detail)
        case .notImplemented:
            self.init(status: .notImplemented, error: "not_implemented", reason: brokerError.detail)
        case .resourceError:
            self.init(status: .serviceUnavailable, error: "resource_error", reason: brokerError.detail)
        case .internalError:
            self.init(status: .internalServerError, error: "internal_error", reason: brokerError.detail)
        }
    }

    public static func badRequest(_ reason: String) -> HTTPAPIError {
        HTTPAPIError(status: .badRequest, error: "bad_request", reason: reason)
    }
    public static func notFound(_ reason: String) -> HTTPAPIError {
        HTTPAPIError(status: .notFound, error: "not_found", reason: reason)
    }
    public static let unauthorized = HTTPAPIError(
        status: .unauthorized, error: "not_authorised", reason: "Login failed")
    public static func forbidden(_ reason: String) -> HTTPAPIError {
        HTTPAPIError(status: .forbidden, error: "not_authorised", reason: reason)
    }
    public static func methodNotAllowed(_ allowed: [HTTPMethod]) -> HTTPAPIError {
        let names = allowed.map(\.rawValue).joined(separator: ", ")
        return HTTPAPIError(status: .methodNotAllowed, error: "method_not_allowed", reason: "allowed: \(names)")
    }
    public static func payloadTooLarge(limit: Int) -> HTTPAPIError {
        HTTPAPIError(
            status: .payloadTooLarge, error: "payload_too_large", reason: "request body exceeds \(limit) bytes")
    }
    public static func alarm(_ alarms: Set<String>) -> HTTPAPIError {
        HTTPAPIError(
            status: .serviceUnavailable,
            error: "resource_alarm",
            reason: "publishing is blocked by resource alarm(s): \(alarms.sorted().joined(separator: ", "))"
        )
    }
}
