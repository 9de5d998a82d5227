import JunctionCore
import JunctionModel
import Logging

/// The two SQS attributes that are engine settings rather than SQS's own: retention (the queue's message
/// TTL) and the redrive policy (its dead-letter target and delivery limit). CreateQueue writes them as
/// queue arguments; SetQueueAttributes changes them later through the engine's `QueueOverrides`, which the
/// listener sets again at start-up from the attributes file (the engine does not store overrides).
enum SQSQueueSettings {
    /// `deadLetterTargetArn` and `maxReceiveCount` of a redrive policy (`{"deadLetterTargetArn": …,
    /// "maxReceiveCount": …}`, the count a number or a string), or a reason it is not one.
    static func parseRedrive(_ policy: String) -> Result<(target: String, maxReceiveCount: Int64), RedriveProblem> {
        guard let json = try? JSONParser.parse(Array(policy.utf8)), let arn = json["deadLetterTargetArn"]?.stringValue
        else { return .failure(.notADictionary) }
        let count = json["maxReceiveCount"].flatMap { $0.intValue ?? $0.stringValue.flatMap { Int64($0) } }
        guard let count, (1...1000).contains(count) else { return .failure(.badReceiveCount) }
        let parts = arn.split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count == 6, parts[0] == "arn", parts[2] == "sqs", let target = parts.last, !target.isEmpty else {
            return .failure(.noTarget)
        }
        return .success((String(target), count))
    }

    enum RedriveProblem: Error {
        case notADictionary
        case badReceiveCount
        case noTarget
        case notAllowed

        var reason: String {
            switch self {
            case .notADictionary: "Redrive policy is not a dictionary or is missing deadLetterTargetArn."
            case .badReceiveCount: "Invalid value for maxReceiveCount: must be between 1 and 1000."
            case .noTarget: "Dead letter target does not exist."
            case .notAllowed: "Dead letter target's RedriveAllowPolicy does not allow this queue as a source."
            }
        }
    }

    /// The engine arguments of a redrive: SQS allows `maxReceiveCount` receives, so a message returned for
    /// the `maxReceiveCount`-th time (delivery count above `maxReceiveCount - 1`) goes to the target queue
    /// through the default exchange.
    static func deliveryLimit(maxReceiveCount: Int64) -> Int { Int(maxReceiveCount - 1) }

    /// What the engine should run `queue` with, given SQS's stored attributes; nil when SetQueueAttributes
    /// never changed retention or redrive (the queue's arguments hold).
    static func overrides(_ attributes: SQSQueueAttributes, of queue: MessageQueue) -> QueueOverrides? {
        guard attributes.argumentsOverridden == true else { return nil }
        let retention =
            attributes.retentionSeconds.map { UInt64($0) * 1000 }
            ?? queue.arguments["x-message-ttl"]?.integerValue.map { UInt64(max(0, $0)) }
        guard let policy = attributes.redrivePolicy, case .success(let redrive) = Self.parseRedrive(policy) else {
            return QueueOverrides(messageTTL: retention, deadLetter: nil, deliveryLimit: nil)
        }
        return QueueOverrides(
            messageTTL: retention, deadLetter: ("", redrive.target),
            deliveryLimit: Self.deliveryLimit(maxReceiveCount: redrive.maxReceiveCount))
    }

    /// The retention SQS reports: what SetQueueAttributes set, else the queue's TTL argument, else SQS's
    /// longest (a queue without a TTL keeps its messages).
    static func retentionSeconds(_ attributes: SQSQueueAttributes, of queue: MessageQueue) -> Int64 {
        if attributes.argumentsOverridden == true, let seconds = attributes.retentionSeconds { return seconds }
        return queue.arguments["x-message-ttl"]?.integerValue.map { $0 / 1000 } ?? 1_209_600
    }

    /// Start-up: sets the overrides of every queue whose retention or redrive SetQueueAttributes changed.
    static func restore(_ registry: SQSQueueRegistry, host: VirtualHost, logger: Logger) {
        for (name, attributes) in registry.entries(in: host.name) {
            guard let queue = host.queue(named: name), !queue.isStream,
                let overrides = Self.overrides(attributes, of: queue)
            else { continue }
            do {
                try host.setOverrides(overrides, of: queue)
            } catch {
                logger.error(
                    "cannot restore the SQS attributes of a queue", metadata: ["queue": "\(name)", "error": "\(error)"])
            }
        }
    }
}

/// A dead-letter queue's `RedriveAllowPolicy`: which source queues may name it in their `RedrivePolicy`
/// (`{"redrivePermission": "allowAll" | "denyAll" | "byQueue", "sourceQueueArns": [...]}`, at most 10 ARNs,
/// given with `byQueue` only). Checked when a source's redrive policy is set, as in SQS.
struct SQSRedriveAllowPolicy {
    enum Permission: String {
        case allowAll
        case denyAll
        case byQueue
    }

    let permission: Permission
    let sources: Set<String>

    init?(_ text: String) {
        guard let json = try? JSONParser.parse(Array(text.utf8)),
            let permission = json["redrivePermission"]?.stringValue.flatMap(Permission.init(rawValue:))
        else { return nil }
        let arns = json["sourceQueueArns"]
        switch permission {
        case .byQueue:
            guard case .array(let items)? = arns, (1...10).contains(items.count) else { return nil }
            let sources = items.compactMap(\.stringValue)
            guard sources.count == items.count else { return nil }
            self.sources = Set(sources)
        case .allowAll, .denyAll:
            guard arns == nil else { return nil }
            self.sources = []
        }
        self.permission = permission
    }

    func allows(_ sourceARN: String) -> Bool {
        switch self.permission {
        case .allowAll: true
        case .denyAll: false
        case .byQueue: self.sources.contains(sourceARN)
        }
    }
}
