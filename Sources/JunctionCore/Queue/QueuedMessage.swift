import JunctionModel
import NIOCore

/// A message inside a queue, with the broker's annotations beside it (never in its headers).
struct QueuedMessage {
    var message: Message
    /// Absolute expiry in clock milliseconds; nil = never.
    var expiresAt: UInt64?
    /// Deliveries made so far.
    var deliveryCount: Int
    var redelivered: Bool
    /// Sequence in the queue store when the message is persisted there.
    var storeSequence: UInt64?

    var size: Int { self.message.body.readableBytes }
}

/// Why a message left a queue without being acknowledged (`x-death` reason).
enum DeathReason: String {
    case rejected
    case expired
    case maxlen
    /// A quorum queue or a shared stream group got a message back more than `x-delivery-limit` times.
    case deliveryLimit = "delivery_limit"
}
