public import NIOCore

/// Which connections a resource alarm holds back: only those that have published (RabbitMQ's rule),
/// so consumers keep draining queues while publishers wait on TCP back-pressure. Pure bookkeeping,
/// shared by every protocol handler; the handler applies each change to its channel.
public struct PublisherGate: Sendable, Equatable {
    public enum Change: Sendable, Equatable {
        case none
        case pauseReading
        case resumeReading
    }

    public private(set) var hasPublished = false
    /// The active alarm's reason; nil when there is none.
    public private(set) var alarmReason: String?
    public private(set) var isReadingPaused = false

    public init() {}

    public mutating func publishReceived() -> Change {
        guard !self.hasPublished else { return .none }
        self.hasPublished = true
        return self.pauseIfHeld()
    }

    public mutating func alarmRaised(reason: String) -> Change {
        guard self.alarmReason == nil else { return .none }
        self.alarmReason = reason
        return self.pauseIfHeld()
    }

    public mutating func alarmCleared() -> Change {
        self.alarmReason = nil
        guard self.isReadingPaused else { return .none }
        self.isReadingPaused = false
        return .resumeReading
    }

    private mutating func pauseIfHeld() -> Change {
        guard self.hasPublished, self.alarmReason != nil, !self.isReadingPaused else { return .none }
        self.isReadingPaused = true
        return .pauseReading
    }
}

extension PublisherGate.Change {
    /// Stops or resumes reading from the channel (TCP back-pressure on the publisher).
    public func apply(to channel: any Channel) {
        switch self {
        case .none: break
        case .pauseReading: channel.setOption(ChannelOptions.autoRead, value: false).whenFailure { _ in }
        case .resumeReading: channel.setOption(ChannelOptions.autoRead, value: true).whenFailure { _ in }
        }
    }
}
