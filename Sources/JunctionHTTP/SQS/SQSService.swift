import JunctionCore
import JunctionModel
import NIOCore
import NIOHTTP1

/// The SQS actions over the engine, for one authenticated request. Queue actions are here; message
/// actions in `SQSService+Messages`. Everything runs on the engine loop.
struct SQSService {
    let broker: Broker
    let host: VirtualHost
    let access: AccessContext
    let registry: SQSQueueRegistry
    let inFlight: SQSInFlight
    let moveTasks: SQSMoveTasks
    let sequenceNumbers: SQSSequenceNumbers
    let identifiers: SQSIdentifiers
    let attempts: SQSReceiveAttempts
    let connectionID: ConnectionID
    let eventLoop: any EventLoop
    /// The request's `Host` header, the host of queue URLs (read only by the actions that answer a URL).
    let requestHeaders: HTTPHeaders
    let accountID: String
    /// The region the request was signed for, used in ARNs.
    let region: String

    enum Outcome {
        case result(JSONValue)
        /// ReceiveMessage's messages, made into an answer on the connection's loop.
        case received(SQSReceivedMessages)
        /// SendMessageBatch's entries, made into an answer (with the bodies' digests) on the connection's loop.
        case sentBatch(SQSSentBatch)
        /// DeleteMessageBatch's or ChangeMessageVisibilityBatch's entries, written as an answer on the
        /// connection's loop.
        case batch(SQSBatchResult)
        /// ReceiveMessage found nothing and may wait: the handler long-polls.
        case wait(SQSReceive)
    }

    var now: Int64 { Int64(self.broker.now / 1000) }

    func handle(_ request: SQSRequest) throws(SQSError) -> Outcome {
        let parameters = request.parameters
        switch request.action {
        case "CreateQueue": return .result(try self.createQueue(parameters))
        case "GetQueueUrl": return .result(try self.getQueueURL(parameters))
        case "ListQueues": return .result(try self.listQueues(parameters))
        case "DeleteQueue":
            let queue = try self.queue(parameters)
            do {
                _ = try self.host.deleteQueue(
                    queue.name, ifUnused: false, ifEmpty: false, owner: self.connectionID, access: self.access)
            } catch {
                throw SQSError(error, queue: queue.name)
            }
            self.inFlight.forget(queue)
            self.registry.remove(queue.name, in: self.host.name)
            return .result(.object([]))
        case "PurgeQueue":
            let queue = try self.queue(parameters)
            do {
                _ = try self.host.purgeQueue(queue.name, owner: self.connectionID, access: self.access)
            } catch {
                throw SQSError(error, queue: queue.name)
            }
            return .result(.object([]))
        case "GetQueueAttributes": return .result(try self.getQueueAttributes(parameters))
        case "SetQueueAttributes": return .result(try self.setQueueAttributes(parameters))
        case "TagQueue", "UntagQueue": return .result(try self.tag(parameters, remove: request.action == "UntagQueue"))
        case "ListQueueTags":
            let queue = try self.queue(parameters)
            let tags = self.registry.attributes(of: queue, in: self.host.name, now: self.now).tags
            return .result(
                .object(
                    tags.isEmpty
                        ? [] : [("Tags", .object(tags.sorted { $0.key < $1.key }.map { ($0.key, .string($0.value)) }))])
            )
        case "ListDeadLetterSourceQueues":
            let queue = try self.queue(parameters)
            let sources = self.registry.sources(redrivingTo: self.arn(queue.name), in: self.host.name)
            return .result(.object([("queueUrls", .array(sources.map { .string(self.url($0)) }))]))
        case "SendMessage": return .result(try self.sendMessage(request))
        case "SendMessageBatch": return .sentBatch(try self.sendMessageBatch(request))
        case "ReceiveMessage": return try self.receiveMessage(parameters)
        case "DeleteMessage":
            let queue = try self.queue(parameters)
            try self.deleteMessage(
                try parameters.sqsString("ReceiptHandle"), queue: queue, access: self.authorization(.read, queue))
            return .result(.object([]))
        case "DeleteMessageBatch": return .batch(try self.deleteMessageBatch(parameters))
        case "ChangeMessageVisibility":
            let queue = try self.queue(parameters)
            guard let timeout = try parameters.sqsInteger("VisibilityTimeout", in: 0...43_200) else {
                throw .missing("VisibilityTimeout")
            }
            try self.changeVisibility(try parameters.sqsString("ReceiptHandle"), to: timeout, queue: queue)
            return .result(.object([]))
        case "ChangeMessageVisibilityBatch": return .batch(try self.changeVisibilityBatch(parameters))
        case "StartMessageMoveTask", "CancelMessageMoveTask", "ListMessageMoveTasks":
            return .result(try self.moveTask(request.action, parameters))
        default:
            throw SQSError(
                "InvalidAction", "The action \(request.action) is not valid for this endpoint.",
                jsonType: "UnknownOperationException")
        }
    }

    // MARK: Names

    func url(_ queue: String) -> String {
        "http://\(self.requestHeaders.first(name: "Host") ?? "localhost")/\(self.accountID)/\(queue)"
    }

    func arn(_ queue: String) -> String { "arn:aws:sqs:\(self.region):\(self.accountID):\(queue)" }

    /// The queue a `QueueUrl` names: its last path segment, in this listener's virtual host.
    func queue(_ parameters: JSONValue) throws(SQSError) -> MessageQueue {
        let name = Self.queueName(ofURL: try parameters.sqsString("QueueUrl"))
        guard let queue = self.host.queue(named: name), !queue.isStream, queue.exclusiveOwner == nil else {
            throw .nonExistentQueue(name)
        }
        return queue
    }

    /// The last non-empty path segment of a queue URL (`split(separator: "/").last`, without the array of
    /// substrings it made for every request: ~1% of the engine loop's CPU under load).
    static func queueName(ofURL url: String) -> String {
        let utf8 = url.utf8
        let slash = UInt8(ascii: "/")
        var end = utf8.endIndex
        while end > utf8.startIndex, utf8[utf8.index(before: end)] == slash { end = utf8.index(before: end) }
        var start = end
        while start > utf8.startIndex, utf8[utf8.index(before: start)] != slash { start = utf8.index(before: start) }
        return String(url[start..<end])
    }

    static func checkName(_ name: String) throws(SQSError) {
        let base = name.hasSuffix(".fifo") ? String(name.dropLast(5)) : name
        guard !base.isEmpty, name.utf8.count <= 80,
            base.utf8.allSatisfy({ byte in
                (byte >= 0x30 && byte <= 0x39) || (byte >= 0x41 && byte <= 0x5A) || (byte >= 0x61 && byte <= 0x7A)
                    || byte == UInt8(ascii: "-") || byte == UInt8(ascii: "_")
            })
        else {
            throw .invalid(
                "Can only include alphanumeric characters, hyphens, or underscores. 1 to 80 in length")
        }
    }

    // MARK: Queues

    private func createQueue(_ parameters: JSONValue) throws(SQSError) -> JSONValue {
        let name = try parameters.sqsString("QueueName")
        try Self.checkName(name)
        var attributes = SQSQueueAttributes(now: self.now)
        var retention = SQSQueueAttributes.defaultRetentionSeconds
        var delay: Int64?
        for (key, value) in parameters["Attributes"]?.sqsMembers ?? [] {
            try self.apply(
                key, value.sqsText, to: &attributes, retention: &retention, delay: &delay, queue: name, creating: true)
        }
        try SQSFifo.check(attributes, name: name)
        for (key, value) in parameters["tags"]?.sqsMembers ?? parameters["Tags"]?.sqsMembers ?? [] {
            attributes.tags[key] = value.sqsText
        }
        var arguments: FieldTable = ["x-message-ttl": .int64(retention * 1000)]
        if attributes.fifo == true {
            for (key, value) in SQSFifo.arguments().entries { arguments[key] = value }
        }
        if let policy = attributes.redrivePolicy {
            // Redrive is the engine's delivery limit with dead-lettering, which quorum queues have: a message
            // received maxReceiveCount times and returned each time goes to the dead-letter queue.
            let (target, maxReceiveCount) = try self.redrive(policy, from: name)
            arguments["x-queue-type"] = .longString(Array("quorum".utf8))
            arguments["x-delivery-limit"] = .int64(
                Int64(SQSQueueSettings.deliveryLimit(maxReceiveCount: maxReceiveCount)))
            arguments["x-dead-letter-exchange"] = .longString([])
            arguments["x-dead-letter-routing-key"] = .longString(Array(target.utf8))
        }
        if let existing = self.host.queue(named: name) {
            // CreateQueue is idempotent while the attributes agree, as in SQS.
            let current = self.registry.attributes(of: existing, in: self.host.name, now: self.now)
            let currentRetention = SQSQueueSettings.retentionSeconds(current, of: existing)
            if self.registry.has(name, in: self.host.name),
                current.visibilityTimeout != attributes.visibilityTimeout
                    || current.maximumMessageSize != attributes.maximumMessageSize
                    || current.receiveMessageWaitTimeSeconds != attributes.receiveMessageWaitTimeSeconds
                    || currentRetention != retention || current.redrivePolicy != attributes.redrivePolicy
                    || current.fifo != attributes.fifo
                    || current.contentBasedDeduplication != attributes.contentBasedDeduplication
                    || Int64(self.host.queueDeliveryDelay(name) / 1000) != (delay ?? 0)
            {
                throw SQSError(
                    "QueueAlreadyExists",
                    "A queue already exists with the same name and a different value for attribute(s)",
                    jsonType: "QueueNameExists")
            }
            return .object([("QueueUrl", .string(self.url(name)))])
        }
        do {
            _ = try self.host.declareQueue(
                name, durable: true, exclusive: false, autoDelete: false, arguments: arguments, passive: false,
                owner: self.connectionID, access: self.access)
            if let delay, delay > 0 {
                try self.host.setQueueDeliveryDelay(
                    name, milliseconds: UInt64(delay) * 1000, owner: self.connectionID, access: self.access)
            }
        } catch {
            throw SQSError(error, queue: name)
        }
        try self.registry.set(attributes, of: name, in: self.host.name)
        return .object([("QueueUrl", .string(self.url(name)))])
    }

    /// One attribute of CreateQueue or SetQueueAttributes. At creation, retention and redrive become queue
    /// arguments; changed later, they become the queue's overrides (`SQSQueueSettings`).
    private func apply(
        _ name: String, _ value: String, to attributes: inout SQSQueueAttributes, retention: inout Int64,
        delay: inout Int64?, queue: String, creating: Bool
    ) throws(SQSError) {
        func integer(_ range: ClosedRange<Int64>) throws(SQSError) -> Int64 {
            guard let number = Int64(value), range.contains(number) else {
                throw SQSError("InvalidAttributeValue", "Invalid value for the parameter \(name).")
            }
            return number
        }
        switch name {
        case "VisibilityTimeout": attributes.visibilityTimeout = try integer(0...43_200)
        case "ReceiveMessageWaitTimeSeconds": attributes.receiveMessageWaitTimeSeconds = try integer(0...20)
        case "MaximumMessageSize": attributes.maximumMessageSize = try integer(1024...262_144)
        case "MessageRetentionPeriod":
            let seconds = try integer(60...1_209_600)
            retention = seconds
            if !creating {
                attributes.retentionSeconds = seconds
                attributes.argumentsOverridden = true
            }
        case "DelaySeconds":
            // The engine's queue delivery delay (`setQueueDeliveryDelay`), which holds for every protocol.
            delay = try integer(0...900)
        case "SqsManagedSseEnabled", "KmsMasterKeyId", "KmsDataKeyReusePeriodSeconds", "Policy":
            throw SQSError("InvalidAttributeValue", "\(name) is not supported by Junction.")
        case "RedrivePolicy":
            // An empty policy removes the redrive (SetQueueAttributes only), as in SQS.
            if value.isEmpty && !creating {
                attributes.redrivePolicy = nil
            } else {
                _ = try self.redrive(value, from: queue)
                attributes.redrivePolicy = value
            }
            if !creating { attributes.argumentsOverridden = true }
        case "RedriveAllowPolicy":
            if value.isEmpty && !creating {
                attributes.redriveAllowPolicy = nil
            } else {
                guard SQSRedriveAllowPolicy(value) != nil else {
                    throw SQSError(
                        "InvalidParameterValue",
                        "Value \(value) for parameter RedriveAllowPolicy is invalid. Reason: redrivePermission must be allowAll, denyAll or byQueue, and sourceQueueArns (1 to 10) is given with byQueue only."
                    )
                }
                attributes.redriveAllowPolicy = value
            }
        case _ where SQSFifo.attributeNames.contains(name):
            try SQSFifo.apply(name, value, to: &attributes, creating: creating)
        default:
            throw .invalidAttributeName(name)
        }
    }

    /// The dead-letter queue and receive count of `source`'s `RedrivePolicy`; the target must exist and its
    /// `RedriveAllowPolicy` must let `source` use it.
    private func redrive(_ policy: String, from source: String) throws(SQSError) -> (String, Int64) {
        let result = SQSQueueSettings.parseRedrive(policy).flatMap {
            redrive -> Result<(target: String, maxReceiveCount: Int64), SQSQueueSettings.RedriveProblem> in
            guard let queue = self.host.queue(named: redrive.target), !queue.isStream else {
                return .failure(.noTarget)
            }
            let allow = self.registry.attributes(of: queue, in: self.host.name, now: self.now).redriveAllowPolicy
            if let allow, let parsed = SQSRedriveAllowPolicy(allow), !parsed.allows(self.arn(source)) {
                return .failure(.notAllowed)
            }
            return .success(redrive)
        }
        switch result {
        case .success(let redrive): return (redrive.target, redrive.maxReceiveCount)
        case .failure(let problem):
            throw SQSError(
                "InvalidParameterValue",
                "Value \(policy) for parameter RedrivePolicy is invalid. Reason: \(problem.reason)")
        }
    }

    private func getQueueURL(_ parameters: JSONValue) throws(SQSError) -> JSONValue {
        let name = try parameters.sqsString("QueueName")
        guard let queue = self.host.queue(named: name), !queue.isStream, queue.exclusiveOwner == nil else {
            throw .nonExistentQueue(name)
        }
        return .object([("QueueUrl", .string(self.url(name)))])
    }

    private func listQueues(_ parameters: JSONValue) throws(SQSError) -> JSONValue {
        let prefix = try parameters.sqsOptionalString("QueueNamePrefix") ?? ""
        let maximum = try parameters.sqsInteger("MaxResults", in: 1...1000)
        let after = try parameters.sqsOptionalString("NextToken").map { token throws(SQSError) -> String in
            guard let bytes = Base64.decode(token) else { throw .invalid("Invalid NextToken value.") }
            return String(decoding: bytes, as: UTF8.self)
        }
        var names = self.host.queues.filter { !$0.isStream && $0.exclusiveOwner == nil }.map(\.name)
            .filter { $0.hasPrefix(prefix) }
        if let after { names = names.filter { $0 > after } }
        var fields: [(String, JSONValue)] = []
        if let maximum, names.count > maximum {
            names = Array(names.prefix(Int(maximum)))
            fields.append(("NextToken", .string(Base64.encode(Array(names.last!.utf8)))))
        } else if maximum == nil {
            names = Array(names.prefix(1000))
        }
        // SQS leaves the list out when it is empty.
        let urls: [(String, JSONValue)] =
            names.isEmpty ? [] : [("QueueUrls", .array(names.map { .string(self.url($0)) }))]
        return .object(urls + fields)
    }

    private func getQueueAttributes(_ parameters: JSONValue) throws(SQSError) -> JSONValue {
        let queue = try self.queue(parameters)
        var wanted = Set((parameters["AttributeNames"]?.sqsItems ?? []).map(\.sqsText))
        if wanted.contains("All") { wanted = Set(SQSQueueAttributes.names) }
        for name in wanted where !SQSQueueAttributes.names.contains(name) { throw .invalidAttributeName(name) }
        let stored = self.registry.attributes(of: queue, in: self.host.name, now: self.now)
        let retention = SQSQueueSettings.retentionSeconds(stored, of: queue)
        var values: [(String, JSONValue)] = []
        for name in SQSQueueAttributes.names where wanted.contains(name) {
            let value: String?
            switch name {
            case "ApproximateNumberOfMessages": value = String(queue.readyCount)
            case "ApproximateNumberOfMessagesNotVisible": value = String(queue.unackedCount)
            case "ApproximateNumberOfMessagesDelayed": value = String(self.host.delayedMessageCount(queue: queue.name))
            case "CreatedTimestamp": value = String(stored.createdTimestamp)
            case "LastModifiedTimestamp": value = String(stored.lastModifiedTimestamp)
            case "DelaySeconds": value = String(self.host.queueDeliveryDelay(queue.name) / 1000)
            case "MaximumMessageSize": value = String(stored.maximumMessageSize)
            case "MessageRetentionPeriod": value = String(retention)
            case "QueueArn": value = self.arn(queue.name)
            case "ReceiveMessageWaitTimeSeconds": value = String(stored.receiveMessageWaitTimeSeconds)
            case "VisibilityTimeout": value = String(stored.visibilityTimeout)
            case "RedrivePolicy": value = stored.redrivePolicy
            case "RedriveAllowPolicy": value = stored.redriveAllowPolicy
            case "SqsManagedSseEnabled": value = "false"
            // SQS names the FIFO attributes of FIFO queues only.
            case "FifoQueue": value = stored.fifo == true ? "true" : nil
            case "ContentBasedDeduplication":
                value = stored.fifo == true ? String(stored.contentBasedDeduplication ?? false) : nil
            case "DeduplicationScope": value = stored.fifo == true ? stored.deduplicationScope ?? "queue" : nil
            case "FifoThroughputLimit": value = stored.fifo == true ? stored.fifoThroughputLimit ?? "perQueue" : nil
            default: value = nil
            }
            if let value { values.append((name, .string(value))) }
        }
        return .object(values.isEmpty ? [] : [("Attributes", .object(values))])
    }

    private func setQueueAttributes(_ parameters: JSONValue) throws(SQSError) -> JSONValue {
        let queue = try self.queue(parameters)
        do {
            try self.access.authorize(.configure, .queue, queue.name)
        } catch {
            throw SQSError(error, queue: queue.name)
        }
        var attributes = self.registry.attributes(of: queue, in: self.host.name, now: self.now)
        var retention: Int64 = 0
        var delay: Int64?
        for (key, value) in parameters["Attributes"]?.sqsMembers ?? [] {
            try self.apply(
                key, value.sqsText, to: &attributes, retention: &retention, delay: &delay, queue: queue.name,
                creating: false)
        }
        try SQSFifo.check(attributes, name: queue.name)
        if let delay {
            do {
                try self.host.setQueueDeliveryDelay(
                    queue.name, milliseconds: UInt64(delay) * 1000, owner: self.connectionID, access: self.access)
            } catch {
                throw SQSError(error, queue: queue.name)
            }
        }
        attributes.lastModifiedTimestamp = self.now
        if let overrides = SQSQueueSettings.overrides(attributes, of: queue), overrides != queue.overrides {
            do {
                try self.host.setOverrides(overrides, of: queue)
            } catch {
                throw SQSError(error, queue: queue.name)
            }
        }
        try self.registry.set(attributes, of: queue.name, in: self.host.name)
        return .object([])
    }

    private func tag(_ parameters: JSONValue, remove: Bool) throws(SQSError) -> JSONValue {
        let queue = try self.queue(parameters)
        do {
            try self.access.authorize(.configure, .queue, queue.name)
        } catch {
            throw SQSError(error, queue: queue.name)
        }
        var attributes = self.registry.attributes(of: queue, in: self.host.name, now: self.now)
        if remove {
            for key in parameters["TagKeys"]?.sqsItems ?? [] { attributes.tags[key.sqsText] = nil }
        } else {
            guard let tags = parameters["Tags"]?.sqsMembers, !tags.isEmpty else { throw .missing("Tags") }
            for (key, value) in tags { attributes.tags[key] = value.sqsText }
            if attributes.tags.count > 50 { throw .invalid("Too many tags added for queue \(queue.name).") }
        }
        try self.registry.set(attributes, of: queue.name, in: self.host.name)
        return .object([])
    }
}
