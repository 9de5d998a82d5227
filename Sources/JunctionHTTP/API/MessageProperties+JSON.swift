import JunctionCore
public import JunctionModel

extension MessageProperties {
    /// RabbitMQ's `properties` object (`content_type`, `delivery_mode`, `headers`, ...).
    public var json: JSONValue {
        var members: [(String, JSONValue)] = []
        func add(_ key: String, _ value: String?) {
            if let value { members.append((key, .string(value))) }
        }
        add("content_type", self.contentType)
        add("content_encoding", self.contentEncoding)
        if let priority = self.priority { members.append(("priority", .int(Int(priority)))) }
        if let mode = self.deliveryMode { members.append(("delivery_mode", .int(Int(mode)))) }
        add("correlation_id", self.correlationID)
        add("reply_to", self.replyTo)
        add("expiration", self.expiration)
        add("message_id", self.messageID)
        if let timestamp = self.timestamp { members.append(("timestamp", .int(Int64(clamping: timestamp)))) }
        add("type", self.type)
        add("user_id", self.userID)
        add("app_id", self.appID)
        add("cluster_id", self.clusterID)
        if let headers = self.headers { members.append(("headers", JSONValue(headers))) }
        return .object(members)
    }

    /// Reads RabbitMQ's `properties` object; unknown keys are ignored as RabbitMQ does, wrongly
    /// typed known keys are a 400.
    public init(json: JSONValue) throws(HTTPAPIError) {
        self.init()
        guard let members = json.objectValue else { throw .badRequest("properties must be an object") }
        for (key, value) in members {
            switch key {
            case "content_type": self.contentType = try Self.string(value, key)
            case "content_encoding": self.contentEncoding = try Self.string(value, key)
            case "correlation_id": self.correlationID = try Self.string(value, key)
            case "reply_to": self.replyTo = try Self.string(value, key)
            case "expiration": self.expiration = try Self.string(value, key)
            case "message_id": self.messageID = try Self.string(value, key)
            case "type": self.type = try Self.string(value, key)
            case "user_id": self.userID = try Self.string(value, key)
            case "app_id": self.appID = try Self.string(value, key)
            case "cluster_id": self.clusterID = try Self.string(value, key)
            case "priority": self.priority = try Self.byte(value, key)
            case "delivery_mode": self.deliveryMode = try Self.byte(value, key)
            case "timestamp":
                guard let seconds = value.intValue, seconds >= 0 else {
                    throw .badRequest("timestamp must be a non-negative integer")
                }
                self.timestamp = UInt64(seconds)
            case "headers":
                guard let table = value.fieldTable else { throw .badRequest("headers must be an object") }
                self.headers = table
            default: continue
            }
        }
    }

    private static func string(_ value: JSONValue, _ key: String) throws(HTTPAPIError) -> String {
        if let text = value.stringValue { return text }
        if let number = value.intValue { return String(number) }
        throw .badRequest("\(key) must be a string")
    }

    private static func byte(_ value: JSONValue, _ key: String) throws(HTTPAPIError) -> UInt8 {
        guard let number = value.intValue, let byte = UInt8(exactly: number) else {
            throw .badRequest("\(key) must be an integer 0...255")
        }
        return byte
    }
}
