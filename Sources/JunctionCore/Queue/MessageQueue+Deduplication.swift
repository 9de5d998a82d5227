import DequeModule
import JunctionModel

/// `x-message-deduplication`: a message whose `x-deduplication-header` id the queue remembers is
/// dropped as a successful publish. Without `x-cache-ttl` an id is remembered while its message is
/// in the queue (ready or unacknowledged), as the community plugin's queues do: it is forgotten when
/// the message leaves for good (ack, no-ack delivery, dead-letter, expiry, drop, purge), not when it
/// is requeued. With `x-cache-ttl` an id is remembered for that long after its publish whatever
/// becomes of the message (the plugin's exchange window; SQS FIFO's five minutes).
/// Either way at most `x-cache-size` ids (default `limits.max_deduplication_cache_entries`) are kept,
/// the oldest forgotten first.
extension MessageQueue {
    enum DeduplicationVerdict {
        /// Not a deduplicating queue, or the message has no id.
        case unchecked
        case duplicate
        /// New: remembered now (forgotten again if the queue then refuses the message).
        case remembered(String)
    }

    func admitDeduplicationID(of message: Message) -> DeduplicationVerdict {
        guard let id = message.headerKey(QueueArguments.deduplicationHeader) else { return .unchecked }
        guard self.deduplication!.insert(id, now: self.clock.nowMilliseconds()) else {
            self.statistics.deduplicated += 1
            return .duplicate
        }
        return .remembered(id)
    }

    /// The queue refused the message after its id was remembered: a retry must not be taken for a duplicate.
    func forget(_ verdict: DeduplicationVerdict) {
        if case .remembered(let id) = verdict { self.deduplication?.remove(id) }
    }

    /// The message left the queue for good; only the mode without a time window forgets it then.
    func forgetDeduplicationID(of entry: QueuedMessage) {
        guard self.deduplication?.timeToLive == nil,
            let id = entry.message.headerKey(QueueArguments.deduplicationHeader)
        else { return }
        self.deduplication!.remove(id)
    }

    /// Whether the window is kept on disk: a durable queue with `x-cache-ttl`, unless
    /// `x-cache-persistence: memory`. Its persistent messages are then stored even when a no-ack
    /// consumer takes them at once, since their records carry the ids.
    var persistsDeduplicationWindow: Bool {
        guard let settings = self.settings.deduplication, settings.cacheTTL != nil else { return false }
        return self.store != nil && settings.persistence != .memory
    }

    /// When a durable queue is declared (after a restart: with its recovered messages in `ready`).
    /// A window kept on disk comes back from the records the store kept for it: every id stored within
    /// the window, acknowledged or not, for what is left of its window. Otherwise the cache is rebuilt
    /// from the recovered messages, in log order, with their windows restarting now (a recovered id is
    /// never forgotten early); ids of messages consumed before the restart are then not remembered.
    func rememberRecoveredDeduplicationIDs() {
        guard self.deduplication != nil else { return }
        let now = self.clock.nowMilliseconds()
        if self.persistsDeduplicationWindow, let window = self.deduplication!.timeToLive,
            let stored = self.store?.retainDeduplicationWindow(
                queue: self.storeKey, windowMilliseconds: window,
                key: { $0.headerKey(QueueArguments.deduplicationHeader) })
        {
            for (id, age) in stored where age < window {
                _ = self.deduplication!.insert(id, now: now, timeToLive: window - age)
            }
            return
        }
        for entry in self.ready {
            if let id = entry.message.headerKey(QueueArguments.deduplicationHeader) {
                _ = self.deduplication!.insert(id, now: now)
            }
        }
    }

    /// Ids currently remembered (management API, tests).
    public var deduplicationCacheCount: Int? { self.deduplication?.count }
}
