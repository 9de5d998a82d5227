/// The basic properties every protocol maps onto (AMQP's `basic` content header, by name).
///
/// Delivery mode and priority (read on every routing decision) are stored inline; the rest, absent
/// from most messages, live in one copy-on-write box that is not allocated at all while they are
/// all nil. That keeps a `Message` at 80 bytes instead of ~290: fewer bytes moved on every copy
/// along the hot path and held by every queued message.
public struct MessageProperties: Sendable, Hashable {
    /// 1 = transient, 2 = persistent.
    public var deliveryMode: UInt8?
    public var priority: UInt8?
    private var storage: Storage?

    /// `@unchecked Sendable` on purpose: a `Storage` is mutated only through `writableStorage()`, i.e. while
    /// exactly one `MessageProperties` refers to it (copy-on-write); once shared — across queues,
    /// connections or threads — it is never written again, so concurrent readers see immutable data.
    private final class Storage: @unchecked Sendable {
        var contentType: String?
        var contentEncoding: String?
        var headers: FieldTable?
        var correlationID: String?
        var replyTo: String?
        var expiration: String?
        var messageID: String?
        var timestamp: UInt64?
        var type: String?
        var userID: String?
        var appID: String?
        var clusterID: String?

        init() {}

        func copy() -> Storage {
            let copy = Storage()
            copy.contentType = self.contentType
            copy.contentEncoding = self.contentEncoding
            copy.headers = self.headers
            copy.correlationID = self.correlationID
            copy.replyTo = self.replyTo
            copy.expiration = self.expiration
            copy.messageID = self.messageID
            copy.timestamp = self.timestamp
            copy.type = self.type
            copy.userID = self.userID
            copy.appID = self.appID
            copy.clusterID = self.clusterID
            return copy
        }
    }

    /// Whether only the inline properties (delivery mode, priority) can be set: encoders take a fast path then.
    public var hasOnlyInlineProperties: Bool { self.storage == nil }

    /// The box, created or un-shared before a write (copy-on-write).
    private mutating func writableStorage() -> Storage {
        if self.storage == nil {
            self.storage = Storage()
        } else if !isKnownUniquelyReferenced(&self.storage!) {
            self.storage = self.storage!.copy()
        }
        return self.storage!
    }

    public var contentType: String? {
        get { self.storage?.contentType }
        set {
            if newValue == nil && self.storage == nil { return }
            self.writableStorage().contentType = newValue
        }
    }

    public var contentEncoding: String? {
        get { self.storage?.contentEncoding }
        set {
            if newValue == nil && self.storage == nil { return }
            self.writableStorage().contentEncoding = newValue
        }
    }

    public var headers: FieldTable? {
        get { self.storage?.headers }
        set {
            if newValue == nil && self.storage == nil { return }
            self.writableStorage().headers = newValue
        }
    }

    public var correlationID: String? {
        get { self.storage?.correlationID }
        set {
            if newValue == nil && self.storage == nil { return }
            self.writableStorage().correlationID = newValue
        }
    }

    public var replyTo: String? {
        get { self.storage?.replyTo }
        set {
            if newValue == nil && self.storage == nil { return }
            self.writableStorage().replyTo = newValue
        }
    }

    /// Per-message TTL in milliseconds, as a decimal string (AMQP's representation).
    public var expiration: String? {
        get { self.storage?.expiration }
        set {
            if newValue == nil && self.storage == nil { return }
            self.writableStorage().expiration = newValue
        }
    }

    public var messageID: String? {
        get { self.storage?.messageID }
        set {
            if newValue == nil && self.storage == nil { return }
            self.writableStorage().messageID = newValue
        }
    }

    /// Seconds since the epoch.
    public var timestamp: UInt64? {
        get { self.storage?.timestamp }
        set {
            if newValue == nil && self.storage == nil { return }
            self.writableStorage().timestamp = newValue
        }
    }

    public var type: String? {
        get { self.storage?.type }
        set {
            if newValue == nil && self.storage == nil { return }
            self.writableStorage().type = newValue
        }
    }

    public var userID: String? {
        get { self.storage?.userID }
        set {
            if newValue == nil && self.storage == nil { return }
            self.writableStorage().userID = newValue
        }
    }

    public var appID: String? {
        get { self.storage?.appID }
        set {
            if newValue == nil && self.storage == nil { return }
            self.writableStorage().appID = newValue
        }
    }

    public var clusterID: String? {
        get { self.storage?.clusterID }
        set {
            if newValue == nil && self.storage == nil { return }
            self.writableStorage().clusterID = newValue
        }
    }

    public init(
        contentType: String? = nil,
        contentEncoding: String? = nil,
        headers: FieldTable? = nil,
        deliveryMode: UInt8? = nil,
        priority: UInt8? = nil,
        correlationID: String? = nil,
        replyTo: String? = nil,
        expiration: String? = nil,
        messageID: String? = nil,
        timestamp: UInt64? = nil,
        type: String? = nil,
        userID: String? = nil,
        appID: String? = nil,
        clusterID: String? = nil
    ) {
        self.deliveryMode = deliveryMode
        self.priority = priority
        self.contentType = contentType
        self.contentEncoding = contentEncoding
        self.headers = headers
        self.correlationID = correlationID
        self.replyTo = replyTo
        self.expiration = expiration
        self.messageID = messageID
        self.timestamp = timestamp
        self.type = type
        self.userID = userID
        self.appID = appID
        self.clusterID = clusterID
    }

    public var isPersistent: Bool { self.deliveryMode == 2 }

    public static func == (lhs: MessageProperties, rhs: MessageProperties) -> Bool {
        guard lhs.deliveryMode == rhs.deliveryMode, lhs.priority == rhs.priority else { return false }
        if lhs.storage === rhs.storage { return true }
        return lhs.contentType == rhs.contentType
            && lhs.contentEncoding == rhs.contentEncoding
            && lhs.headers == rhs.headers
            && lhs.correlationID == rhs.correlationID
            && lhs.replyTo == rhs.replyTo
            && lhs.expiration == rhs.expiration
            && lhs.messageID == rhs.messageID
            && lhs.timestamp == rhs.timestamp
            && lhs.type == rhs.type
            && lhs.userID == rhs.userID
            && lhs.appID == rhs.appID
            && lhs.clusterID == rhs.clusterID
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(self.deliveryMode)
        hasher.combine(self.priority)
        hasher.combine(self.contentType)
        hasher.combine(self.contentEncoding)
        hasher.combine(self.headers)
        hasher.combine(self.correlationID)
        hasher.combine(self.replyTo)
        hasher.combine(self.expiration)
        hasher.combine(self.messageID)
        hasher.combine(self.timestamp)
        hasher.combine(self.type)
        hasher.combine(self.userID)
        hasher.combine(self.appID)
        hasher.combine(self.clusterID)
    }
}
