/// MQTT listener settings.
public struct MQTTConfiguration: Sendable, Hashable {
    /// Whether a CONNECT without username is accepted (`mqtt.allow_anonymous`).
    public var allowAnonymous: Bool
    /// The configured user an anonymous MQTT client acts as (`mqtt.anonymous_user`).
    public var anonymousUser: String

    public init(allowAnonymous: Bool = true, anonymousUser: String = "guest") {
        self.allowAnonymous = allowAnonymous
        self.anonymousUser = anonymousUser
    }
}
