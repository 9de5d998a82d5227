import JunctionCore
public import JunctionTransport

/// A protocol reachable over WebSocket at a path: after the upgrade, the listener's own pipeline is
/// installed behind a frame handler, so STOMP and MQTT serve TCP and WebSocket with one implementation.
public struct WebSocketRoute: Sendable {
    /// Subprotocols offered in `Sec-WebSocket-Protocol` (`v12.stomp`, `mqtt`), in preference order.
    /// A client that offers none is accepted; one that offers only others is refused.
    public var subprotocols: [String]
    public var listener: any ProtocolListener
    /// Outbound bytes go as text frames (STOMP is text) rather than binary frames.
    public var sendsTextFrames: Bool

    public init(subprotocols: [String], listener: any ProtocolListener, sendsTextFrames: Bool) {
        self.subprotocols = subprotocols
        self.listener = listener
        self.sendsTextFrames = sendsTextFrames
    }

    /// The subprotocol to answer with: the first the client offers that this route speaks.
    /// `.some(nil)` = accept without a subprotocol; nil = refuse.
    public func negotiate(offered: [String]) -> String?? {
        if offered.isEmpty { return .some(nil) }
        if let match = offered.first(where: { self.subprotocols.contains($0) }) { return .some(match) }
        return nil
    }
}
