import JunctionCore
public import JunctionModel
public import JunctionSTOMPCodec

/// The SUBSCRIBE headers of a stream consumer as engine consumer arguments (RabbitMQ's STOMP
/// plugin): `x-stream-offset` is `first`, `last`, `next`, `offset=<n>` or `timestamp=<seconds>`
/// (a bare `<n>` is read as an offset too); `x-consumer-group` names a consumer group and
/// `x-consumer-group-type` (`shared`) makes it a shared group.
public enum STOMPStreamArguments {
    /// - Throws: `STOMPError` for an offset header that is none of the forms above.
    public static func arguments(from headers: STOMPHeaders) throws(STOMPError) -> FieldTable {
        var table = FieldTable()
        if let text = headers["x-stream-offset"] {
            table["x-stream-offset"] = try Self.offset(text)
        }
        if let group = headers["x-consumer-group"] {
            table["x-consumer-group"] = .string(group)
        }
        if let type = headers["x-consumer-group-type"] {
            table["x-consumer-group-type"] = .string(type)
        }
        return table
    }

    /// One `x-stream-offset` header value as the AMQP consumer argument the engine parses.
    public static func offset(_ text: String) throws(STOMPError) -> FieldValue {
        switch text {
        case "first", "last", "next":
            return .string(text)
        default:
            break
        }
        if text.hasPrefix("timestamp="), let seconds = UInt64(text.dropFirst("timestamp=".count)) {
            return .timestamp(seconds)
        }
        let number = text.hasPrefix("offset=") ? text.dropFirst("offset=".count) : Substring(text)
        if let offset = Int64(number), offset >= 0 {
            return .int64(offset)
        }
        throw STOMPError(
            "Invalid x-stream-offset",
            "x-stream-offset '\(text)' is not first, last, next, offset=<n> or timestamp=<seconds>"
        )
    }
}
