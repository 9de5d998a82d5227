/// The position of a record in one log: assigned by the log on append, dense and increasing from 0.
public struct LogOffset: RawRepresentable, Hashable, Comparable, Sendable, CustomStringConvertible {
    public var rawValue: Int64

    public init(rawValue: Int64) { self.rawValue = rawValue }
    public init(_ rawValue: Int64) { self.rawValue = rawValue }

    public static let zero = LogOffset(0)

    public static func < (lhs: LogOffset, rhs: LogOffset) -> Bool { lhs.rawValue < rhs.rawValue }

    /// The offset `distance` records later.
    public func advanced(by distance: Int64) -> LogOffset { LogOffset(self.rawValue + distance) }

    public var description: String { String(self.rawValue) }
}
