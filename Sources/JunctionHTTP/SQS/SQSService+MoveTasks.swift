import JunctionCore

extension SQSService {
    /// StartMessageMoveTask (`SourceArn` a dead-letter queue, optional `DestinationArn` and
    /// `MaxNumberOfMessagesPerSecond` 1…500), CancelMessageMoveTask and ListMessageMoveTasks.
    func moveTask(_ action: String, _ parameters: JSONValue) throws(SQSError) -> JSONValue {
        switch action {
        case "StartMessageMoveTask":
            let sourceARN = try parameters.sqsString("SourceArn")
            let source = try self.queue(arn: sourceARN)
            let destinationARN = try parameters.sqsOptionalString("DestinationArn")
            let destination = try destinationARN.map { arn throws(SQSError) in try self.queue(arn: arn) }
            let rate = Int(try parameters.sqsInteger("MaxNumberOfMessagesPerSecond", in: 1...500) ?? 500)
            do {
                try self.access.authorize(.read, .queue, source.name)
                if let destination { try self.access.authorize(.write, .queue, destination.name) }
            } catch {
                throw SQSError(error, queue: source.name)
            }
            guard !self.registry.sources(redrivingTo: sourceARN, in: self.host.name).isEmpty else {
                throw .invalid("Source queue must be configured as a Dead Letter Queue.")
            }
            let handle = try self.moveTasks.start(
                source: source, sourceARN: sourceARN, destination: destination, destinationARN: destinationARN,
                rate: rate, host: self.host, access: self.access, owner: self.connectionID, now: self.now * 1000,
                identifiers: self.identifiers, on: self.eventLoop)
            return .object([("TaskHandle", .string(handle))])
        case "CancelMessageMoveTask":
            let moved = try self.moveTasks.cancel(try parameters.sqsString("TaskHandle"))
            return .object([("ApproximateNumberOfMessagesMoved", .int(moved))])
        default:
            let sourceARN = try parameters.sqsString("SourceArn")
            _ = try self.queue(arn: sourceARN)
            let maximum = Int(try parameters.sqsInteger("MaxResults", in: 1...10) ?? 1)
            let results = self.moveTasks.list(sourceARN: sourceARN, maximum: maximum).map { task in
                var fields: [(String, JSONValue)] = [
                    ("Status", .string(task.status)), ("SourceArn", .string(task.sourceARN)),
                ]
                if task.status == "RUNNING" { fields.insert(("TaskHandle", .string(task.handle)), at: 0) }
                if let destination = task.destinationARN { fields.append(("DestinationArn", .string(destination))) }
                fields += [
                    ("MaxNumberOfMessagesPerSecond", .int(task.rate)),
                    ("ApproximateNumberOfMessagesMoved", .int(task.moved)),
                    ("ApproximateNumberOfMessagesToMove", .int(task.toMove)),
                    ("StartedTimestamp", .int(task.startedAt)),
                ]
                if let reason = task.failureReason { fields.append(("FailureReason", .string(reason))) }
                return JSONValue.object(fields)
            }
            return .object([("Results", .array(results))])
        }
    }

    /// The queue an ARN (`arn:aws:sqs:<region>:<account>:<name>`) names.
    func queue(arn: String) throws(SQSError) -> MessageQueue {
        let parts = arn.split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count == 6, parts[0] == "arn", parts[2] == "sqs" else {
            throw .invalid("Value \(arn) for parameter is not a valid SQS queue ARN.")
        }
        let name = String(parts[5])
        guard let queue = self.host.queue(named: name), !queue.isStream else {
            throw SQSError(
                "ResourceNotFoundException",
                "The resource that you specified for the SourceArn parameter doesn't exist.")
        }
        return queue
    }
}
