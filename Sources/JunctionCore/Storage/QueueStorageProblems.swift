/// What opening a durable queue's log found wrong at start-up. The management API and `/metrics`
/// report it; nothing is emptied silently.
public struct QueueStorageProblems: Sendable, Equatable {
    /// The log could not be opened: the queue is failed. Its files stay as they are, and every
    /// operation on it but delete is refused until an operator repairs or drops it.
    public var openFailure: String?
    /// Segments recovery set aside as `.log.corrupt` (their messages are not served), one
    /// `RecoveryReport.Quarantine.summary` each: path, offsets and byte ranges lost.
    public var lostSegments: [String]
    /// The bytes of those set-aside segment files.
    public var lostBytes: Int64

    public init(openFailure: String? = nil, lostSegments: [String] = [], lostBytes: Int64 = 0) {
        self.openFailure = openFailure
        self.lostSegments = lostSegments
        self.lostBytes = lostBytes
    }

    public var isEmpty: Bool { self.openFailure == nil && self.lostSegments.isEmpty }
}
