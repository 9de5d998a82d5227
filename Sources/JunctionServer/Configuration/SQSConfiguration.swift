import Configuration

/// The SQS-compatible listener's settings (the `sqs` section; its port is `listeners.sqs_port`).
public struct SQSConfiguration: Sendable, Hashable {
    /// The virtual host whose queues SQS names (`sqs.vhost`).
    public var virtualHost: String
    /// The twelve-digit account id in queue URLs and ARNs (`sqs.account_id`), ElasticMQ's by default.
    public var accountID: String
    /// Largest request body in bytes (`sqs.max_body_bytes`); more is refused before it is read.
    public var maxBodyBytes: Int
    /// Event loops of the listener's own (`sqs.event_loops`): its connections' HTTP, SigV4 and JSON work runs
    /// there, beside the engine loop, with one hop to the engine per request; 0 runs them on the engine loop.
    public var eventLoops: Int

    public init(
        virtualHost: String = "/", accountID: String = "000000000000", maxBodyBytes: Int = 4_194_304,
        eventLoops: Int = 2
    ) {
        self.virtualHost = virtualHost
        self.accountID = accountID
        self.maxBodyBytes = maxBodyBytes
        self.eventLoops = eventLoops
    }

    static let virtualHostKey: ConfigKey = "sqs.vhost"
    static let accountIDKey: ConfigKey = "sqs.account_id"
    static let maxBodyBytesKey: ConfigKey = "sqs.max_body_bytes"
    static let eventLoopsKey: ConfigKey = "sqs.event_loops"

    init(reading reader: ConfigReader) throws {
        do {
            self.init(
                virtualHost: try reader.requiredString(forKey: Self.virtualHostKey),
                accountID: try reader.requiredString(forKey: Self.accountIDKey),
                maxBodyBytes: try reader.requiredInt(forKey: Self.maxBodyBytesKey),
                eventLoops: try reader.requiredInt(forKey: Self.eventLoopsKey))
        } catch {
            throw ConfigurationError("sqs: \(error)")
        }
    }

    var configValues: [AbsoluteConfigKey: ConfigValue] {
        [
            AbsoluteConfigKey(Self.virtualHostKey): .init(.string(self.virtualHost), isSecret: false),
            AbsoluteConfigKey(Self.accountIDKey): .init(.string(self.accountID), isSecret: false),
            AbsoluteConfigKey(Self.maxBodyBytesKey): .init(.int(self.maxBodyBytes), isSecret: false),
            AbsoluteConfigKey(Self.eventLoopsKey): .init(.int(self.eventLoops), isSecret: false),
        ]
    }

    func validate() throws {
        guard !self.virtualHost.isEmpty else { throw ConfigurationError("sqs.vhost: must not be empty") }
        guard self.accountID.utf8.count == 12, self.accountID.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }) else {
            throw ConfigurationError("sqs.account_id: \"\(self.accountID)\" is not twelve digits")
        }
        guard (65_536...67_108_864).contains(self.maxBodyBytes) else {
            throw ConfigurationError("sqs.max_body_bytes: \(self.maxBodyBytes) is outside 65536...67108864")
        }
        guard (0...64).contains(self.eventLoops) else {
            throw ConfigurationError("sqs.event_loops: \(self.eventLoops) is outside 0...64")
        }
    }
}
