/// An AMQP channel number. Channel 0 is the connection itself (AMQP 0-9-1 §4.2.3).
public struct AMQPChannelID: Hashable, Sendable, RawRepresentable, ExpressibleByIntegerLiteral,
    CustomStringConvertible
{
    public var rawValue: UInt16

    public init(rawValue: UInt16) { self.rawValue = rawValue }
    public init(_ rawValue: UInt16) { self.rawValue = rawValue }
    public init(integerLiteral value: UInt16) { self.rawValue = value }

    /// Channel 0: connection-class methods and heartbeats.
    public static let connection: AMQPChannelID = 0

    public var description: String { String(self.rawValue) }
}
