import NIOCore

/// A publisher's pacing, shared by every protocol: how many messages it may write now.
///
/// Bounded by the batch size, the publisher's quota, the confirm window and, in fixed-rate mode, by the schedule
/// (open loop: what is due is sent, so latency is measured under the offered load, not against a backlog).
struct BenchPublisher {
    enum Decision: Equatable {
        /// Write this many messages, then ask again after the events already queued on the loop.
        case send(Int)
        /// Nothing is due yet; ask again after this delay.
        case wait(TimeAmount)
        /// The window is full or the channel is not writable; ask again on an ack or writability.
        case blocked
        /// Everything is sent, but confirms are outstanding.
        case draining
        /// Everything is sent (and confirmed).
        case finished
    }

    let index: Int
    private let quota: Int?
    private(set) var nextSequence = 0
    /// Unconfirmed messages.
    private(set) var outstanding = 0
    private(set) var isFinished = false

    init(index: Int, configuration: BenchConfiguration) {
        self.index = index
        self.quota = configuration.quota(ofPublisher: index)
    }

    mutating func decide(run: BenchRun, isWritable: Bool) -> Decision {
        guard !self.isFinished else { return .finished }
        let configuration = run.configuration
        if self.quota.map({ self.nextSequence >= $0 }) ?? false || run.publishDeadlinePassed() {
            guard self.outstanding == 0 else { return .draining }
            self.isFinished = true
            return .finished
        }
        var allowed = configuration.batch
        if let quota = self.quota { allowed = min(allowed, quota - self.nextSequence) }
        if let window = configuration.window { allowed = min(allowed, window - self.outstanding) }
        if let rate = configuration.ratePerPublisher {
            let elapsed = NIODeadline.now().uptimeNanoseconds - run.startNanoseconds
            let due = Int(Double(elapsed) * rate / 1e9) + 1 - self.nextSequence
            guard due > 0 else { return .wait(.microseconds(500)) }
            allowed = min(allowed, due)
        }
        guard allowed > 0, isWritable else { return .blocked }
        return .send(allowed)
    }

    /// Stamps `body` for the next message and counts it as sent (and unconfirmed when confirming).
    mutating func stampNext(_ body: inout ByteBuffer, run: BenchRun) {
        self.nextStamp(run: run).stamp(&body)
    }

    /// The stamp of the next message, counted as sent (and unconfirmed when confirming), for a protocol that
    /// writes it in its own form (SQS bodies carry it in hex).
    mutating func nextStamp(run: BenchRun) -> BenchStamp {
        let stamp = BenchStamp(
            sentNanoseconds: NIODeadline.now().uptimeNanoseconds, runID: run.runID,
            publisher: UInt16(truncatingIfNeeded: self.index), sequence: UInt32(truncatingIfNeeded: self.nextSequence))
        self.nextSequence += 1
        if run.configuration.window != nil { self.outstanding += 1 }
        return stamp
    }

    mutating func confirmed(_ count: Int) {
        self.outstanding -= min(count, self.outstanding)
    }
}

/// Yields between a publisher's batches, for every protocol's client: after a batch or a wait the
/// next step runs once, later on the loop (so acks and deliveries are read meanwhile); `blocked` and
/// `draining` wait for an ack or for writability, which call the step themselves.
final class BenchPublishScheduler {
    private var scheduled = false

    /// Follows a pacing decision once the protocol has written the batch it allowed, if any.
    /// `againAfterSend` is false for a client that continues on the response instead (HTTP).
    /// Returns true when the publisher has finished.
    func follow(
        _ decision: BenchPublisher.Decision,
        context: ChannelHandlerContext,
        againAfterSend: Bool = true,
        step: @escaping () -> Void
    ) -> Bool {
        switch decision {
        case .send:
            if againAfterSend { self.schedule(in: nil, context: context, step) }
        case .wait(let delay):
            self.schedule(in: delay, context: context, step)
        case .blocked, .draining:
            break
        case .finished:
            return true
        }
        return false
    }

    private func schedule(in delay: TimeAmount?, context: ChannelHandlerContext, _ step: @escaping () -> Void) {
        guard !self.scheduled else { return }
        self.scheduled = true
        context.benchSchedule(in: delay) { [weak self] in
            self?.scheduled = false
            step()
        }
    }
}
