/// A client connection as operators see it (management API, metrics), whatever its protocol.
/// Protocol handlers register one when a connection opens and remove it when it closes.
public protocol ClientConnection: AnyObject {
    var summary: ConnectionSummary { get }
    /// `summary.id`, without building the summary.
    var connectionID: ConnectionID { get }
    /// `summary.protocolLabel`, which the rate sampler reads for every connection at every sample:
    /// a protocol with many connections answers it without building the summary.
    var protocolLabel: String { get }
    /// `summary.user` and `summary.virtualHost`, which the connection limits read for every open
    /// connection at every login.
    var login: (user: String?, virtualHost: String?) { get }
    /// Closes the connection on an operator's request, in the protocol's own words.
    func closeByOperator(reason: String)
}

extension ClientConnection {
    public var connectionID: ConnectionID { self.summary.id }
    public var protocolLabel: String { self.summary.protocolLabel }
    public var login: (user: String?, virtualHost: String?) {
        let summary = self.summary
        return (summary.user, summary.virtualHost)
    }
}

public struct ConnectionSummary: Sendable, Equatable {
    public var id: ConnectionID
    /// `AMQP 0-9-1`, `MQTT 3.1.1`, `MQTT 5.0`, `STOMP 1.2`, …
    public var protocolName: String
    /// `TCP` or `WebSocket`.
    public var transport: String
    public var peer: String
    public var user: String?
    public var virtualHost: String?
    public var channelCount: Int
    public var connectedAtMilliseconds: UInt64
    public var clientProperties: [String: String]

    public init(
        id: ConnectionID,
        protocolName: String,
        transport: String = "TCP",
        peer: String,
        user: String? = nil,
        virtualHost: String? = nil,
        channelCount: Int = 0,
        connectedAtMilliseconds: UInt64,
        clientProperties: [String: String] = [:]
    ) {
        self.id = id
        self.protocolName = protocolName
        self.transport = transport
        self.peer = peer
        self.user = user
        self.virtualHost = virtualHost
        self.channelCount = channelCount
        self.connectedAtMilliseconds = connectedAtMilliseconds
        self.clientProperties = clientProperties
    }
}
