public import JunctionMQTTCodec

/// What the session state machine asks the handler to do. `Token` identifies an engine delivery
/// (the handler's choice), so the state machine never touches the engine.
public enum MQTTSessionAction<Token> {
    case none
    /// Authenticate and attach the session, then call `connectAccepted` or `connectRefused`.
    case connect(MQTTConnect)
    /// Send this CONNACK refusal and close; no session was attached, so there is no will.
    case refuseConnect(MQTTConnAck)
    case send(MQTTPacket)
    /// Route this PUBLISH (topic resolved from aliases); then call `publishRouted`.
    case publish(MQTTPublish, topic: String)
    case subscribe(MQTTSubscribe)
    case unsubscribe(MQTTUnsubscribe)
    /// The client acknowledged an outbound delivery (PUBACK, or PUBREC for QoS 2): settle it in
    /// the engine, then send `reply` (the PUBREL of a QoS 2 delivery).
    case settle(Token, reply: MQTTPacket?)
    /// Clean DISCONNECT: no will (unless reason 0x04 in MQTT 5); `sessionExpiry` may replace the CONNECT value.
    case disconnected(publishWill: Bool, sessionExpiry: UInt32?)
    /// Close the connection; for MQTT 5 after a DISCONNECT with this reason (nil: no DISCONNECT,
    /// e.g. for 3.1.1 or before CONNACK). The will is published.
    case close(MQTTReasonCode, sendDisconnect: Bool)
}

extension MQTTSessionAction: Equatable where Token: Equatable {}
extension MQTTSessionAction: Sendable where Token: Sendable {}
