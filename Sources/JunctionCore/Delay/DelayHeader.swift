import JunctionModel

/// The `x-delay` message header of RabbitMQ's delayed-message plugin (`rabbit_delayed_message_utils`).
enum DelayHeader {
    static let name = "x-delay"
    /// The plugin delays only up to an Erlang timer's range, 2^32 − 1 ms; a longer delay is routed at once.
    static let maximumMilliseconds: Int64 = 4_294_967_295

    /// The delay a message asks for, in ms, or nil when it is routed at once: no header, a value
    /// of 0 or less or past `maximumMilliseconds`, or one that is not a number. Integers of any
    /// width count; a string is read as a decimal integer, a float or decimal is truncated, as the plugin does.
    static func delay(of message: Message) -> Int64? {
        guard let value = message.properties.headers?[Self.name] else { return nil }
        let milliseconds: Int64?
        switch value {
        case .longString:
            milliseconds = value.stringValue.flatMap { Int64($0) }
        case .float(let float):
            milliseconds = float.isFinite ? Int64(exactly: float.rounded(.towardZero)) : nil
        case .double(let double):
            milliseconds = double.isFinite ? Int64(exactly: double.rounded(.towardZero)) : nil
        case .decimal(let scale, let unscaled):
            var divisor: Int64 = 1
            for _ in 0..<min(scale, 18) { divisor *= 10 }
            milliseconds = Int64(unscaled) / divisor
        default:
            milliseconds = value.integerValue
        }
        guard let milliseconds, milliseconds > 0, milliseconds <= Self.maximumMilliseconds else { return nil }
        return milliseconds
    }

    /// The plugin sets the header to −delay when the message leaves, so it is not delayed again on its
    /// way (exchange-to-exchange bindings, dead-lettering) and consumers can tell it was delayed.
    static func markDelayed(_ message: inout Message, by milliseconds: Int64) {
        var headers = message.properties.headers ?? FieldTable()
        headers[Self.name] =
            milliseconds <= Int64(Int32.max) ? .int32(Int32(-milliseconds)) : .int64(-milliseconds)
        message.properties.headers = headers
    }
}
