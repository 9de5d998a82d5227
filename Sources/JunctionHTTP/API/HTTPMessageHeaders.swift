import JunctionCore
public import JunctionModel
public import NIOHTTP1

/// The raw-body publish endpoint's mapping between HTTP headers and message properties. The body is
/// the message; these headers carry everything else (see `protocols/http/README.md`).
public enum HTTPMessageHeaders {
    public static let routingKey = "X-Routing-Key"
    public static let messageID = "X-Message-Id"
    public static let correlationID = "X-Correlation-Id"
    public static let replyTo = "X-Reply-To"
    public static let expiration = "X-Expiration"
    public static let persistent = "X-Persistent"
    public static let priority = "X-Priority"
    public static let type = "X-Type"
    public static let appID = "X-App-Id"
    /// Must name the logged-in user when given (RabbitMQ's validated user id); otherwise 400.
    public static let userID = "X-User-Id"
    public static let timestamp = "X-Timestamp"
    /// `X-Header-Tenant: acme` becomes the message header `tenant` = "acme" (HTTP header names are
    /// case-insensitive, so custom header names arrive lowercased).
    public static let customPrefix = "x-header-"

    /// Properties from request headers. Values that cannot be represented are a 400.
    public static func properties(from headers: HTTPHeaders) throws(HTTPAPIError) -> MessageProperties {
        var properties = MessageProperties()
        properties.contentType = headers.first(name: "Content-Type")
        properties.contentEncoding = headers.first(name: "Content-Encoding")
        properties.messageID = headers.first(name: Self.messageID)
        properties.correlationID = headers.first(name: Self.correlationID)
        properties.replyTo = headers.first(name: Self.replyTo)
        properties.type = headers.first(name: Self.type)
        properties.appID = headers.first(name: Self.appID)
        properties.userID = headers.first(name: Self.userID)
        if let expiration = headers.first(name: Self.expiration) {
            guard let milliseconds = UInt64(expiration) else {
                throw .badRequest("\(Self.expiration) must be a non-negative number of milliseconds")
            }
            properties.expiration = String(milliseconds)
        }
        if let persistent = headers.first(name: Self.persistent) {
            switch persistent.lowercased() {
            case "true", "1", "yes": properties.deliveryMode = 2
            case "false", "0", "no": properties.deliveryMode = 1
            default: throw .badRequest("\(Self.persistent) must be true or false")
            }
        }
        if let priority = headers.first(name: Self.priority) {
            guard let value = UInt8(priority), value <= 255 else {
                throw .badRequest("\(Self.priority) must be 0...255")
            }
            properties.priority = value
        }
        if let timestamp = headers.first(name: Self.timestamp) {
            guard let seconds = UInt64(timestamp) else {
                throw .badRequest("\(Self.timestamp) must be seconds since the epoch")
            }
            properties.timestamp = seconds
        }
        var custom = FieldTable()
        for (name, value) in headers where name.lowercased().hasPrefix(Self.customPrefix) {
            let key = String(name.lowercased().dropFirst(Self.customPrefix.count))
            guard !key.isEmpty else { throw .badRequest("empty custom header name") }
            custom.entries.append((key: key, value: .string(value)))
        }
        if !custom.isEmpty { properties.headers = custom }
        return properties
    }
}
