/// The retained message of one MQTT topic. `properties` are the PUBLISH properties encoded by the
/// caller; `storedAtMilliseconds` is the caller's clock (milliseconds since the Unix epoch).
public struct MQTTRetainedMessageRecord: Hashable, Sendable {
    public var virtualHost: String
    public var topic: String
    public var payload: [UInt8]
    public var qos: UInt8
    public var properties: [UInt8]
    public var storedAtMilliseconds: UInt64

    public init(
        virtualHost: String,
        topic: String,
        payload: [UInt8],
        qos: UInt8,
        properties: [UInt8] = [],
        storedAtMilliseconds: UInt64
    ) {
        self.virtualHost = virtualHost
        self.topic = topic
        self.payload = payload
        self.qos = qos
        self.properties = properties
        self.storedAtMilliseconds = storedAtMilliseconds
    }
}
