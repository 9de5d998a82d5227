public import JunctionMQTTCodec

/// The rules of CONNECT that need neither the engine nor the socket: the client identifier, the
/// session's expiry per protocol version, who may attach to a session, whether a stored session
/// is present, and what CONNACK announces. The handler only loads, stores and attaches.
public enum MQTTConnectRules {
    /// What the client identifier of a CONNECT becomes.
    public enum ClientIdentifier: Equatable, Sendable {
        /// The client's own.
        case given(String)
        /// Assigned by the server for an empty one (announced in CONNACK to an MQTT 5 client).
        case assigned(String)
        /// Refused with this CONNACK code.
        case refused(MQTTReasonCode)
    }

    /// [MQTT-3.1.3-8] 3.1.1 refuses an empty id without clean session; otherwise an empty id gets
    /// one from `assign` (MQTT 5 [MQTT-3.1.3-6], and 3.1.1 with clean session as Mosquitto does).
    public static func clientIdentifier(of connect: MQTTConnect, assign: () -> String) -> ClientIdentifier {
        guard connect.clientID.isEmpty else { return .given(connect.clientID) }
        if connect.protocolVersion == .v311 && !connect.cleanStart { return .refused(.clientIdentifierNotValid) }
        return .assigned(assign())
    }

    /// A fresh server-assigned client identifier.
    public static func generatedClientIdentifier() -> String {
        "junction-" + String(UInt64.random(in: 0...UInt64.max), radix: 36)
    }

    /// Seconds the session outlives the connection: MQTT 5 asks with the Session Expiry Interval
    /// property; 3.1.1 clean session 0 is a session without end of its own, and the cap applies
    /// to it too (Mosquitto's `persistent_client_expiration`).
    public static func sessionExpiry(of connect: MQTTConnect, maximum: UInt32) -> UInt32 {
        let requested: UInt32
        switch connect.protocolVersion {
        case .v5: requested = connect.properties.sessionExpiryInterval ?? 0
        case .v311: requested = connect.cleanStart ? 0 : UInt32.max
        }
        return min(requested, maximum)
    }

    /// A session belongs to the user who created it: another user's CONNECT with its client id is
    /// refused (the live connection's user first, else the stored owner), and the owner keeps it.
    public static func mayAttach(user: String, liveOwner: String?, storedOwner: String?) -> Bool {
        guard let owner = liveOwner ?? storedOwner else { return true }
        return owner == user
    }

    /// The session a CONNECT attaches to.
    public struct Session: Equatable, Sendable {
        public var record: MQTTSessionRecord
        /// CONNACK's session present flag.
        public var sessionPresent: Bool
        /// Clean start: a stored session and its queue (maybe left from an unclean end) go first.
        public var discardStored: Bool
        /// A persistent session is stored before CONNACK, so it survives a crash even before its
        /// first SUBSCRIBE.
        public var mustStore: Bool
        /// A session that ends with the connection, where one is stored: the stored one is removed
        /// before CONNACK. With nothing stored there is nothing to write (a storm of clean
        /// sessions costs the store nothing).
        public var removeStored: Bool
    }

    /// Resumes the stored session unless the client asks for a clean start; the expiry and owner
    /// are always the ones of this CONNECT.
    public static func session(
        clientID: String, stored: MQTTSessionRecord?, cleanStart: Bool, expiry: UInt32, owner: String
    ) -> Session {
        var record: MQTTSessionRecord
        var present = false
        if let stored, !cleanStart {
            record = stored
            present = true
        } else {
            record = MQTTSessionRecord(clientID: clientID, expiryInterval: expiry)
        }
        record.expiryInterval = expiry
        record.owner = owner
        return Session(
            record: record, sessionPresent: present, discardStored: cleanStart, mustStore: expiry > 0,
            removeStored: cleanStart && expiry == 0 && stored != nil)
    }

    /// Seconds after the connection ends before its will is published: the Will Delay Interval
    /// (MQTT 5), but never later than the session ends [MQTT-3.1.3-9]; 0: at once.
    public static func willDelay(of will: MQTTWill, sessionExpiry: UInt32) -> UInt32 {
        min(will.properties.willDelayInterval ?? 0, sessionExpiry)
    }

    /// The server's side of CONNACK that the session state machine does not own.
    public struct Announcement: Equatable, Sendable {
        public var topicAliasMaximum: UInt16
        public var maximumPacketSize: Int
        public var maximumSessionExpiry: UInt32

        public init(topicAliasMaximum: UInt16, maximumPacketSize: Int, maximumSessionExpiry: UInt32) {
            self.topicAliasMaximum = topicAliasMaximum
            self.maximumPacketSize = maximumPacketSize
            self.maximumSessionExpiry = maximumSessionExpiry
        }
    }

    /// CONNACK properties (MQTT 5 only; none for 3.1.1): the assigned identifier, the server's
    /// limits and features, and the granted expiry when the client asked for more than the cap.
    public static func connAckProperties(
        for connect: MQTTConnect, assignedClientID: String?, grantedExpiry: UInt32, server: Announcement
    ) -> MQTTProperties {
        var properties = MQTTProperties()
        guard connect.protocolVersion == .v5 else { return properties }
        properties.assignedClientIdentifier = assignedClientID
        properties.topicAliasMaximum = server.topicAliasMaximum
        properties.maximumPacketSize = UInt32(clamping: server.maximumPacketSize)
        properties.retainAvailable = 1
        properties.wildcardSubscriptionAvailable = 1
        properties.subscriptionIdentifierAvailable = 1
        properties.sharedSubscriptionAvailable = 1
        if let requested = connect.properties.sessionExpiryInterval, requested > server.maximumSessionExpiry {
            properties.sessionExpiryInterval = grantedExpiry
        }
        return properties
    }
}
