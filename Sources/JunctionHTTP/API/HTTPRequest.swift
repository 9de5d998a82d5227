public import NIOCore
public import NIOHTTP1

/// One complete request as the API sees it: the body is already bounded and collected.
public struct HTTPRequest {
    public var method: HTTPMethod
    public var path: HTTPPath
    public var headers: HTTPHeaders
    public var body: ByteBuffer

    public init(method: HTTPMethod, path: HTTPPath, headers: HTTPHeaders, body: ByteBuffer) {
        self.method = method
        self.path = path
        self.headers = headers
        self.body = body
    }

    /// The body as JSON; an empty body is an empty object (RabbitMQ accepts `PUT` without a body).
    public func jsonBody() throws(HTTPAPIError) -> JSONValue {
        guard self.body.readableBytes > 0 else { return .object([]) }
        do {
            return try JSONParser.parse(Array(self.body.readableBytesView))
        } catch {
            throw .badRequest("body is not valid JSON: \(error)")
        }
    }
}

/// A response ready to write.
public struct HTTPResponse {
    public var status: HTTPResponseStatus
    public var headers: HTTPHeaders
    public var body: ByteBuffer

    public init(status: HTTPResponseStatus, headers: HTTPHeaders = [:], body: ByteBuffer = ByteBuffer()) {
        self.status = status
        self.headers = headers
        self.body = body
    }

    public static func json(_ value: JSONValue, status: HTTPResponseStatus = .ok) -> HTTPResponse {
        HTTPResponse(
            status: status,
            headers: ["Content-Type": "application/json"],
            body: value.serializedBuffer
        )
    }

    public static func noContent() -> HTTPResponse { HTTPResponse(status: .noContent) }

    public static func error(_ error: HTTPAPIError) -> HTTPResponse {
        var response = HTTPResponse.json(
            .object([("error", .string(error.error)), ("reason", .string(error.reason))]), status: error.status)
        if error.status == .unauthorized {
            response.headers.add(name: "WWW-Authenticate", value: "Basic realm=\"Junction\"")
        }
        return response
    }
}
