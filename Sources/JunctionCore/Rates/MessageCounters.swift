/// Cumulative message counters of one object, under the names RabbitMQ's management API gives them
/// (`message_stats.publish`, `...deliver_get`); a rate is derived per name.
public protocol MessageCounters: Sendable, Equatable {
    /// RabbitMQ's names of the counters, in the order of `values`.
    static var names: [String] { get }
    var values: [Int] { get }
}

/// A queue's counters, an overview's totals (`publish` there counts publishes to a virtual host,
/// routed or not).
public struct QueueMessageCounts: MessageCounters {
    public var publish: Int
    public var deliverGet: Int
    public var ack: Int
    public var redeliver: Int

    public init(publish: Int = 0, deliverGet: Int = 0, ack: Int = 0, redeliver: Int = 0) {
        self.publish = publish
        self.deliverGet = deliverGet
        self.ack = ack
        self.redeliver = redeliver
    }

    public init(_ statistics: MessageStatistics) {
        self.init(
            publish: statistics.published, deliverGet: statistics.delivered, ack: statistics.acknowledged,
            redeliver: statistics.redelivered)
    }

    public static let names = ["publish", "deliver_get", "ack", "redeliver"]
    public var values: [Int] { [self.publish, self.deliverGet, self.ack, self.redeliver] }
}

/// An exchange's counters: messages published to it, and those it routed to at least one queue.
public struct ExchangeMessageCounts: MessageCounters {
    public var publishIn: Int
    public var publishOut: Int

    public init(publishIn: Int = 0, publishOut: Int = 0) {
        self.publishIn = publishIn
        self.publishOut = publishOut
    }

    public static let names = ["publish_in", "publish_out"]
    public var values: [Int] { [self.publishIn, self.publishOut] }
}

/// Counters read at one instant.
public struct CounterSample<Counts: MessageCounters>: Sendable {
    /// When they were read (the broker clock, milliseconds since the epoch).
    public var milliseconds: Int64
    public var counts: Counts

    public init(milliseconds: Int64, counts: Counts) {
        self.milliseconds = milliseconds
        self.counts = counts
    }

    /// Per-second rate of each counter from `older` to this sample, in `Counts.names` order. A
    /// counter that went down (a publish taken back) or samples without elapsed time give 0.
    public func rates(since older: Self) -> [Double] {
        let elapsed = self.milliseconds - older.milliseconds
        guard elapsed > 0 else { return Counts.names.map { _ in 0 } }
        return zip(self.counts.values, older.counts.values).map { newer, older in
            newer > older ? Double(newer - older) * 1000 / Double(elapsed) : 0
        }
    }
}

extension SampleRing {
    /// Per-second rates between the two newest samples (RabbitMQ's `*_details.rate`); zeros until
    /// two samples exist.
    public func rates<Counts>() -> [Double] where Element == CounterSample<Counts> {
        guard let (older, newer) = self.newestPair else { return Counts.names.map { _ in 0 } }
        return newer.rates(since: older)
    }
}
