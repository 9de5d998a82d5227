/// Credit shared by several subscriptions (AMQP `basic.qos` with global=true: per channel).
/// A delivery to an acknowledging subscription takes one unit; settling it gives it back.
public final class CreditPool {
    /// 0 = unlimited. Raising it resumes the member subscriptions.
    public var limit: Int {
        didSet {
            if self.limit == 0 || self.limit > oldValue { self.resume() }
        }
    }
    public private(set) var inUse = 0
    /// Subscriptions drawing from this pool, in the order they were created.
    private var members: [Subscription] = []

    public init(limit: Int) {
        self.limit = limit
    }

    var hasCredit: Bool { self.limit == 0 || self.inUse < self.limit }

    func take() {
        self.inUse += 1
    }

    /// Gives one unit back; when that unblocks the pool, every member's queue dispatches again
    /// (this is how an ack on one queue resumes deliveries from another queue sharing the pool).
    func release() {
        let wasBlocked = !self.hasCredit
        self.inUse -= 1
        if wasBlocked && self.hasCredit { self.resume() }
    }

    /// Lets every member's queue try to deliver again.
    public func resume() {
        let members = self.members
        for subscription in members where self.hasCredit {
            subscription.resume()
        }
    }

    func add(_ subscription: Subscription) {
        self.members.append(subscription)
    }

    func remove(_ subscription: Subscription) {
        if let index = self.members.firstIndex(where: { $0 === subscription }) {
            self.members.remove(at: index)
        }
    }
}

@available(*, unavailable)
extension CreditPool: Sendable {}
