import JunctionCore
public import JunctionModel
public import JunctionSTOMPCodec
public import NIOCore

/// SEND headers ↔ message properties and AMQP headers, RabbitMQ-compatible (protocols/stomp/README.md).
public enum STOMPMessageMapping {
    /// Headers that describe the frame or the subscription, never copied into a message.
    static let frameHeaders: Set<String> = [
        "destination", "transaction", "receipt", "content-length", "message-id", "subscription", "ack",
        "redelivered", "id",
    ]

    /// The properties of a SEND frame. Unknown headers become AMQP string headers.
    /// - Throws: `STOMPError` for a `priority`, `timestamp` or `expiration` that is not a number.
    public static func properties(from headers: STOMPHeaders) throws(STOMPError) -> MessageProperties {
        var properties = MessageProperties()
        var table = FieldTable()
        var seen = Set<String>()
        for entry in headers where seen.insert(entry.name).inserted {
            let value = entry.value
            switch entry.name {
            case "content-type": properties.contentType = value
            case "content-encoding": properties.contentEncoding = value
            case "correlation-id": properties.correlationID = value
            case "reply-to": properties.replyTo = value
            case "message-id": properties.messageID = value
            case "type": properties.type = value
            case "user-id": properties.userID = value
            case "app-id": properties.appID = value
            case "persistent": properties.deliveryMode = value == "true" ? 2 : 1
            case "expiration":
                guard UInt64(value) != nil else { throw Self.invalid("expiration", value) }
                properties.expiration = value
            case "priority":
                guard let priority = UInt8(value) else { throw Self.invalid("priority", value) }
                properties.priority = priority
            case "timestamp":
                guard let timestamp = UInt64(value) else { throw Self.invalid("timestamp", value) }
                properties.timestamp = timestamp
            case let name where Self.frameHeaders.contains(name):
                break
            default:
                table.entries.append((key: entry.name, value: .string(value)))
            }
        }
        if !table.isEmpty { properties.headers = table }
        return properties
    }

    /// Writes a MESSAGE frame for one delivery straight into `buffer`, body by reference: no
    /// intermediate frame value (STOMP 1.2 "MESSAGE").
    public static func writeMessage(
        into buffer: inout ByteBuffer,
        message: Message,
        destination: String,
        subscription: String,
        messageID: String,
        ackID: String?,
        redelivered: Bool,
        version: STOMPVersion
    ) {
        let escaping = version.escaping
        buffer.writeStaticString("MESSAGE\n")
        buffer.writeSTOMPHeader("destination", destination, escaping: escaping)
        buffer.writeSTOMPHeader("message-id", messageID, escaping: escaping)
        buffer.writeSTOMPHeader("subscription", subscription, escaping: escaping)
        if let ackID, version == .v1_2 { buffer.writeSTOMPHeader("ack", ackID, escaping: escaping) }
        buffer.writeSTOMPHeader("redelivered", redelivered ? "true" : "false", escaping: .none)
        let properties = message.properties
        func put(_ name: String, _ value: String?) {
            if let value { buffer.writeSTOMPHeader(name, value, escaping: escaping) }
        }
        put("content-type", properties.contentType)
        put("content-encoding", properties.contentEncoding)
        put("correlation-id", properties.correlationID)
        put("reply-to", properties.replyTo)
        put("expiration", properties.expiration)
        put("amqp-message-id", properties.messageID)
        put("persistent", properties.deliveryMode.map { $0 == 2 ? "true" : "false" })
        put("priority", properties.priority.map { String($0) })
        put("timestamp", properties.timestamp.map { String($0) })
        put("type", properties.type)
        put("user-id", properties.userID)
        put("app-id", properties.appID)
        if let headers = properties.headers {
            for (key, value) in headers where !Self.frameHeaders.contains(key) {
                if let text = Self.text(value) { buffer.writeSTOMPHeader(key, text, escaping: escaping) }
            }
        }
        buffer.writeSTOMPHeader("content-length", String(message.body.readableBytes), escaping: .none)
        buffer.writeInteger(UInt8(ascii: "\n"))
        buffer.writeImmutableBuffer(message.body)
        buffer.writeInteger(UInt8(0))
    }

    /// A header value as STOMP text; tables, arrays and byte arrays have no STOMP form and are left out.
    static func text(_ value: FieldValue) -> String? {
        switch value {
        case .longString(let bytes): String(decoding: bytes, as: UTF8.self)
        case .boolean(let flag): flag ? "true" : "false"
        case .float(let number): String(number)
        case .double(let number): String(number)
        case .decimal(let scale, let value): Self.decimal(scale: scale, value: value)
        case .int8, .uint8, .int16, .uint16, .int32, .uint32, .int64, .timestamp: value.integerValue.map { String($0) }
        case .void: ""
        case .table, .array, .byteArray: nil
        }
    }

    private static func decimal(scale: UInt8, value: UInt32) -> String {
        var digits = String(value)
        guard scale > 0 else { return digits }
        while digits.count <= Int(scale) { digits = "0" + digits }
        digits.insert(".", at: digits.index(digits.endIndex, offsetBy: -Int(scale)))
        return digits
    }

    private static func invalid(_ header: String, _ value: String) -> STOMPError {
        STOMPError("Invalid header", "'\(header)' must be a non-negative integer, not '\(value)'")
    }
}
