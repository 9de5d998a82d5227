/// Why the broker refused to keep something a client sent, counted for /metrics
/// (`junction_refused_total{reason=...}`): a limit never drops anything silently.
public enum RefusalReason: String, Sendable, Hashable, CaseIterable {
    /// A retained MQTT message past `mqtt.max_retained_messages` / `max_retained_bytes`.
    case mqttRetainedLimit = "mqtt_retained_limit"
}

extension Broker {
    /// Counts one refusal (on the engine loop; refusals are rare, this is off the hot path).
    public func countRefusal(_ reason: RefusalReason) {
        self.refusals[reason, default: 0] += 1
    }
}
