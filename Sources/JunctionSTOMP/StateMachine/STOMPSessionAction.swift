public import JunctionSTOMPCodec

/// A CONNECT (or STOMP) frame after version and heart-beat negotiation: what the handler needs to log
/// in and open the virtual host.
public struct STOMPConnectRequest: Sendable, Hashable {
    public var version: STOMPVersion
    public var host: String?
    public var login: String?
    public var passcode: String?
    /// How often we send heart-beats, and how often we expect them (nil: not at all).
    public var sendEvery: Duration?
    public var expectEvery: Duration?
}

/// A SEND, validated: its destination and the frame (headers and body slice).
public struct STOMPSendRequest: Sendable, Hashable {
    public var destination: String
    public var frame: STOMPFrame

    public init(destination: String, frame: STOMPFrame) {
        self.destination = destination
        self.frame = frame
    }
}

/// A SUBSCRIBE, validated.
public struct STOMPSubscribeRequest: Sendable, Hashable {
    public var id: String
    public var destination: String
    public var ackMode: STOMPAckMode
    /// 0 = unlimited.
    public var prefetch: Int
    /// `durable:true` or `persistent:true`: the subscription queue outlives the connection.
    public var durable: Bool
    public var exclusive: Bool
    public var headers: STOMPHeaders

    public init(
        id: String,
        destination: String,
        ackMode: STOMPAckMode,
        prefetch: Int,
        durable: Bool,
        exclusive: Bool,
        headers: STOMPHeaders
    ) {
        self.id = id
        self.destination = destination
        self.ackMode = ackMode
        self.prefetch = prefetch
        self.durable = durable
        self.exclusive = exclusive
        self.headers = headers
    }
}

/// An ACK or NACK: the value of its `id` (1.2) or `message-id` (1.0, 1.1) header.
public struct STOMPSettleRequest: Sendable, Hashable {
    public var ackID: String
    public var ackMode: STOMPAckMode
    public var subscriptionID: String?
    public var accept: Bool
    /// NACK only: false dead-letters (or drops) instead of requeueing.
    public var requeue: Bool

    public init(ackID: String, ackMode: STOMPAckMode, subscriptionID: String?, accept: Bool, requeue: Bool) {
        self.ackID = ackID
        self.ackMode = ackMode
        self.subscriptionID = subscriptionID
        self.accept = accept
        self.requeue = requeue
    }
}

/// A SEND, ACK or NACK held in a transaction until COMMIT.
public enum STOMPTransactedCommand: Sendable, Hashable {
    case send(STOMPSendRequest)
    case settle(STOMPSettleRequest)
}

/// What the handler must do after an event. Every case that answers a client frame carries that
/// frame's `receipt`: the handler sends a RECEIPT once the work succeeded.
public enum STOMPSessionAction: Sendable, Hashable {
    case none
    /// Authenticate, open the vhost, then call `connectSucceeded` or `fail`.
    case connect(STOMPConnectRequest)
    case send(STOMPSendRequest, receipt: String?)
    case subscribe(STOMPSubscribeRequest, receipt: String?)
    case unsubscribe(id: String, durable: Bool, receipt: String?)
    case settle(STOMPSettleRequest, receipt: String?)
    case commit([STOMPTransactedCommand], receipt: String?)
    /// Nothing to do but confirm (BEGIN, ABORT).
    case receipt(String)
    case sendHeartbeat
    /// DISCONNECT: send the receipt if any, flush, close.
    case disconnect(receipt: String?)
    /// Send this ERROR frame, flush, close.
    case fail(STOMPError)
}
