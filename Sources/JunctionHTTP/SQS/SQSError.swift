import JunctionCore
import NIOHTTP1

/// An SQS error as AWS shapes it: the query protocol's code (`AWS.SimpleQueueService.NonExistentQueue`),
/// the JSON protocol's type (`QueueDoesNotExist`), the status and the message. boto3 reads the query
/// code from `x-amzn-query-error` on JSON answers, so both protocols report the same code.
struct SQSError: Error, Equatable {
    var code: String
    var jsonType: String
    var message: String
    var status: HTTPResponseStatus = .badRequest
    var isSenderFault = true

    init(_ code: String, _ message: String, jsonType: String? = nil, status: HTTPResponseStatus = .badRequest) {
        self.code = code
        self.jsonType = jsonType ?? code
        self.message = message
        self.status = status
        self.isSenderFault = status.code < 500
    }

    static func missing(_ name: String) -> SQSError {
        SQSError("MissingParameter", "The request must contain the parameter \(name).")
    }

    static func invalid(_ message: String) -> SQSError { SQSError("InvalidParameterValue", message) }

    static func nonExistentQueue(_ name: String) -> SQSError {
        SQSError(
            "AWS.SimpleQueueService.NonExistentQueue", "The specified queue \(name) does not exist.",
            jsonType: "QueueDoesNotExist")
    }

    static func invalidAttributeName(_ name: String) -> SQSError {
        SQSError("InvalidAttributeName", "Unknown Attribute \(name).")
    }

    static func receiptHandleIsInvalid(_ handle: String) -> SQSError {
        SQSError("ReceiptHandleIsInvalid", "The input receipt handle \"\(handle)\" is not a valid receipt handle.")
    }

    static let accessDenied = SQSError(
        "AccessDenied", "Access to the resource is denied.", jsonType: "AccessDeniedException", status: .forbidden)

    /// An engine refusal in SQS terms.
    init(_ error: BrokerError, queue: String) {
        switch error.kind {
        case .notFound: self = .nonExistentQueue(queue)
        case .accessRefused, .notAllowed:
            self = SQSError("AccessDenied", error.detail, jsonType: "AccessDeniedException", status: .forbidden)
        case .preconditionFailed, .resourceLocked, .commandInvalid:
            self = .invalid(error.detail)
        case .notImplemented:
            self = SQSError("UnsupportedOperation", error.detail)
        case .resourceError:
            self = SQSError("ServiceUnavailable", error.detail, status: .serviceUnavailable)
        case .internalError:
            self = SQSError("InternalError", error.detail, status: .internalServerError)
        }
    }
}
