import JunctionModel

/// The arguments of a stream (`x-queue-type: stream`), validated once at declare time.
struct StreamArguments: Equatable {
    /// RabbitMQ's default segment size (500 MB).
    static let defaultMaxSegmentBytes: Int64 = 500_000_000

    /// `x-max-age`: whole segments older than this are deleted (milliseconds).
    var maxAgeMilliseconds: Int64?
    /// `x-max-length-bytes`: the oldest segments are deleted while the stream is larger.
    var maxLengthBytes: Int64?
    /// `x-stream-max-segment-size-bytes`.
    var maxSegmentBytes: Int64 = Self.defaultMaxSegmentBytes
    /// `x-acquisition-timeout` and `x-delivery-limit`, for shared groups.
    var share = ShareSettings()

    init(_ table: FieldTable, queue: String) throws(BrokerError) {
        if let value = table["x-max-age"] {
            guard let text = value.stringValue, let age = Self.age(text) else {
                throw .preconditionFailed("invalid arg 'x-max-age' for queue '\(queue)': \(value)")
            }
            self.maxAgeMilliseconds = age
        }
        if let value = table["x-max-length-bytes"] {
            guard let bytes = value.integerValue, bytes > 0 else {
                throw .preconditionFailed("invalid arg 'x-max-length-bytes' for queue '\(queue)': \(value)")
            }
            self.maxLengthBytes = bytes
        }
        if let value = table["x-stream-max-segment-size-bytes"] {
            guard let bytes = value.integerValue, bytes > 0 else {
                throw .preconditionFailed(
                    "invalid arg 'x-stream-max-segment-size-bytes' for queue '\(queue)': \(value)")
            }
            self.maxSegmentBytes = bytes
        }
        if let value = table["x-acquisition-timeout"] {
            guard let milliseconds = value.integerValue, milliseconds > 0 else {
                throw .preconditionFailed("invalid arg 'x-acquisition-timeout' for queue '\(queue)': \(value)")
            }
            self.share.acquisitionTimeout = UInt64(milliseconds)
        }
        if let value = table["x-delivery-limit"] {
            guard let limit = value.integerValue, limit > 0, limit <= Int64(Int32.max) else {
                throw .preconditionFailed("invalid arg 'x-delivery-limit' for queue '\(queue)': \(value)")
            }
            self.share.deliveryLimit = Int(limit)
        }
    }

    /// RabbitMQ's age syntax: a positive integer and one unit of `Y M D h m s` (`7D`, `24h`, `10s`);
    /// a year is 365 days, a month 30. Milliseconds, or nil when malformed.
    static func age(_ text: String) -> Int64? {
        guard let unit = text.last, let amount = Int64(text.dropLast()), amount > 0,
            text.dropLast().allSatisfy(\.isASCII)
        else { return nil }
        let second: Int64 = 1000
        let day = 86_400 * second
        let factor: Int64
        switch unit {
        case "Y": factor = 365 * day
        case "M": factor = 30 * day
        case "D": factor = day
        case "h": factor = 3600 * second
        case "m": factor = 60 * second
        case "s": factor = second
        default: return nil
        }
        let (product, overflow) = amount.multipliedReportingOverflow(by: factor)
        return overflow ? nil : product
    }
}
