import JunctionCore

/// What a STOMP subscription reads from: a classic queue's `Subscription`, or a stream consumer
/// with its own cursor (SUBSCRIBE to a stream's `/amq/queue/` or `/queue/` destination).
enum STOMPConsumerSource {
    case queue(Subscription)
    case stream(any StreamConsumerHandle)

    func cancel() {
        switch self {
        case .queue(let subscription): subscription.cancel()
        case .stream(let subscription): subscription.cancel()
        }
    }

    func resume() {
        switch self {
        case .queue(let subscription): subscription.resume()
        case .stream(let subscription): subscription.resume()
        }
    }
}
