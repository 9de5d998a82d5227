/// A STOMP command (STOMP 1.2 "Frames and Headers"), client and server side.
public enum STOMPCommand: String, Sendable, Hashable, CaseIterable {
    case connect = "CONNECT"
    case stomp = "STOMP"
    case send = "SEND"
    case subscribe = "SUBSCRIBE"
    case unsubscribe = "UNSUBSCRIBE"
    case ack = "ACK"
    case nack = "NACK"
    case begin = "BEGIN"
    case commit = "COMMIT"
    case abort = "ABORT"
    case disconnect = "DISCONNECT"
    case connected = "CONNECTED"
    case message = "MESSAGE"
    case receipt = "RECEIPT"
    case error = "ERROR"

    /// CONNECT, STOMP and CONNECTED never escape their header values (STOMP 1.2 "Value Encoding"),
    /// so that 1.0 clients can read them.
    public var escapesHeaders: Bool {
        switch self {
        case .connect, .stomp, .connected: false
        case .send, .subscribe, .unsubscribe, .ack, .nack, .begin, .commit, .abort, .disconnect, .message,
            .receipt, .error:
            true
        }
    }
}
