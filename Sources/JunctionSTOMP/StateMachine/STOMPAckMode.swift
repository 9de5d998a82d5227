/// How a subscription's messages are acknowledged (STOMP 1.2 "SUBSCRIBE ack Header").
public enum STOMPAckMode: String, Sendable, Hashable {
    /// Settled when sent.
    case auto
    /// ACK/NACK of a message settles it and every earlier one of the same subscription.
    case client
    /// ACK/NACK settles that message only.
    case clientIndividual = "client-individual"
}
