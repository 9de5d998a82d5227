import JunctionCore
public import JunctionModel

/// The query of `GET /api/v1/streams/{vhost}/{stream}/messages` (and `/events`): where to start
/// (`offset=first|last|next|<n>` or `timestamp=<seconds>`), how many (`max`, 1...1000, default
/// 100) and an optional consumer `group`. Pure, so it is tested without an engine.
public struct HTTPStreamQuery: Sendable, Equatable {
    /// Consumer arguments for `VirtualHost.consumeStream` (`x-stream-offset`, `x-consumer-group`).
    public var arguments: FieldTable
    public var max: Int
    public var group: String?

    public static let maxLimit = 1000

    /// - Parameter defaultOffset: where reading starts without `offset` or `timestamp`
    ///   (`first` for reads, `next` for live event streams).
    public init(_ query: [String: String], defaultOffset: String) throws(HTTPAPIError) {
        var arguments = FieldTable()
        switch (query["offset"], query["timestamp"]) {
        case (.some, .some):
            throw .badRequest("give either 'offset' or 'timestamp', not both")
        case (let text?, nil):
            arguments["x-stream-offset"] = try Self.offset(text)
        case (nil, let text?):
            guard let seconds = UInt64(text) else {
                throw .badRequest("'timestamp' must be seconds since the Unix epoch")
            }
            arguments["x-stream-offset"] = .timestamp(seconds)
        case (nil, nil):
            arguments["x-stream-offset"] = try Self.offset(defaultOffset)
        }
        var max = 100
        if let text = query["max"] {
            guard let number = Int(text), (1...Self.maxLimit).contains(number) else {
                throw .badRequest("'max' must be an integer in 1...\(Self.maxLimit)")
            }
            max = number
        }
        if let group = query["group"] {
            guard !group.isEmpty, group.utf8.count <= 255 else {
                throw .badRequest("'group' must be 1 to 255 bytes")
            }
            arguments["x-consumer-group"] = .string(group)
            self.group = group
        }
        self.arguments = arguments
        self.max = max
    }

    private static func offset(_ text: String) throws(HTTPAPIError) -> FieldValue {
        switch text {
        case "first", "last", "next": return .string(text)
        default:
            guard let number = Int64(text), number >= 0 else {
                throw .badRequest("'offset' must be first, last, next or a non-negative integer")
            }
            return .int64(number)
        }
    }
}
