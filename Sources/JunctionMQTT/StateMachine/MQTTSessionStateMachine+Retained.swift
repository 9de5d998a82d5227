public import JunctionMQTTCodec

extension MQTTSessionStateMachine {
    /// A retained PUBLISH over `mqtt.max_retained_messages` / `max_retained_bytes` is not published at
    /// all. An MQTT 5 client hears 0x97 Quota exceeded in its PUBACK/PUBREC (nothing for QoS 0); MQTT 3.1.1
    /// has no refusal code, so the packet is acknowledged as one that reached no subscriber and dropped
    /// (the handler logs it and counts it in /metrics).
    public mutating func retainedQuotaExceeded(_ publish: MQTTPublish) -> MQTTSessionAction<Token> {
        guard self.version == .v5 else { return self.publishRouted(publish, matched: false) }
        return self.publishFailed(publish, reason: .quotaExceeded)
    }
}
