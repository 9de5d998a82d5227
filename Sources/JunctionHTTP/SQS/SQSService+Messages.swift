import JunctionCore
import JunctionModel
import NIOCore

/// A ReceiveMessage that found nothing and long-polls (the handler holds the request).
struct SQSReceive {
    var queue: MessageQueue
    var maximum: Int
    var waitMilliseconds: Int64
    var visibilityTimeout: Int64
    var attributeNames: Set<String>
    var messageAttributeNames: [String]
    /// `ReceiveRequestAttemptId`: the answer is kept for a retry with the same id.
    var attemptID: String?
}

extension SQSService {
    // MARK: Send

    func sendMessage(_ request: SQSRequest) throws(SQSError) -> JSONValue {
        let queue = try self.queue(request.parameters)
        let stored = self.registry.attributes(of: queue, in: self.host.name, now: self.now)
        let entry = request.sends.first ?? SQSSendEntry(parameters: request.parameters, body: nil)
        let sent = try self.send(entry, to: queue, stored: stored, access: self.authorization(.write, queue))
        return .object(sent.fields.map { ($0.0, .string($0.1)) })
    }

    /// Whether the caller may `permission` on `queue`: checked once per request, and reported where each
    /// message (or batch entry) would have checked it.
    func authorization(_ permission: Permission, _ queue: MessageQueue) -> Result<Void, SQSError> {
        do {
            try self.access.authorize(permission, .queue, queue.name)
            return .success(())
        } catch {
            return .failure(SQSError(error, queue: queue.name))
        }
    }

    func sendMessageBatch(_ request: SQSRequest) throws(SQSError) -> SQSSentBatch {
        let queue = try self.queue(request.parameters)
        let entries = request.sends
        try Self.checkBatchIDs(entries.map(\.id))
        var total = 0
        for entry in entries { total += entry.bodyLength }
        if total > 262_144 {
            throw SQSError(
                "AWS.SimpleQueueService.BatchRequestTooLong", "Batch requests cannot be longer than 262144 bytes.",
                jsonType: "BatchRequestTooLong")
        }
        var answer = SQSSentBatch(successful: [], failed: [])
        let access = self.authorization(.write, queue)
        // The queue's SQS attributes once per batch, not per entry (a dictionary lookup hashing two names).
        let stored = self.registry.attributes(of: queue, in: self.host.name, now: self.now)
        answer.successful.reserveCapacity(entries.count)
        for (position, entry) in entries.enumerated() {
            let id = entry.id
            do {
                answer.successful.append(
                    SQSSentBatch.Sent(
                        id: id, entry: position,
                        message: try self.send(entry, to: queue, stored: stored, access: access)
                    ))
            } catch {
                answer.failed.append((id, error))
            }
        }
        return answer
    }

    private func send(
        _ entry: SQSSendEntry, to queue: MessageQueue, stored: SQSQueueAttributes, access: Result<Void, SQSError>
    ) throws(SQSError) -> SQSSentMessage {
        let parameters = entry.parameters
        guard let body = entry.body else {
            // Missing, or not a string (`sqsString` tells which).
            _ = try parameters.sqsString("MessageBody")
            throw .missing("MessageBody")
        }
        guard body.readableBytes > 0 else { throw .invalid("The request must contain the parameter MessageBody.") }
        guard entry.bodyIsValid else {
            throw SQSError("InvalidMessageContents", "Invalid characters found in the message body.")
        }
        let delay = try parameters.sqsInteger("DelaySeconds", in: 0...900)
        let traceHeader = try Self.traceHeader(parameters["MessageSystemAttributes"])
        let attributes = try SQSMessageAttribute.parse(parameters["MessageAttributes"])
        var fifoHeaders: [(String, FieldValue)] = []
        if stored.fifo == true {
            fifoHeaders = try SQSFifo.headers(
                parameters, body: body, attributes: stored,
                sequenceNumber: self.sequenceNumbers.next(now: self.broker.now))
        } else {
            if parameters["MessageDeduplicationId"] != nil {
                throw .invalid(
                    "Value for parameter MessageDeduplicationId is invalid. Reason: The request include parameter that is not valid for this queue type."
                )
            }
            // A standard queue takes a group id as SQS fair queues do: carried and given back (the
            // `MessageGroupId` attribute), with no ordering or one-in-flight rule.
            fifoHeaders = try SQSFifo.standardQueueHeaders(parameters)
        }
        var size = body.readableBytes
        for (name, attribute) in attributes {
            size +=
                name.utf8.count + attribute.dataType.utf8.count
                + (attribute.binaryValue?.count ?? attribute.stringValue?.utf8.count ?? 0)
        }
        if size > stored.maximumMessageSize {
            throw .invalid(
                "One or more parameters are invalid. Reason: Message must be shorter than \(stored.maximumMessageSize) bytes."
            )
        }
        try access.get()
        let messageID = self.identifiers.uuid()
        var headers = SQSMessageAttribute.headers(attributes)
        if let traceHeader {
            headers = headers ?? FieldTable()
            headers![Self.traceHeaderName] = .longString(Array(traceHeader.utf8))
        }
        if !fifoHeaders.isEmpty {
            headers = headers ?? FieldTable()
            for (name, value) in fifoHeaders { headers![name] = value }
        }
        let properties = MessageProperties(
            headers: headers, deliveryMode: 2, messageID: messageID, timestamp: UInt64(self.now))
        let outcome: PublishOutcome
        do {
            let message = Message(
                exchange: "", routingKey: queue.name, properties: properties, body: body)
            // A message's DelaySeconds replaces the queue's (0 included); without it the queue's holds.
            if let delay {
                outcome = try self.host.publish(message, delayMilliseconds: UInt64(delay) * 1000, access: self.access)
            } else {
                outcome = try self.host.publish(message, access: self.access)
            }
        } catch {
            throw SQSError(error, queue: queue.name)
        }
        guard case .routed(let count) = outcome, count > 0 else {
            throw SQSError(
                "AWS.SimpleQueueService.OverLimit", "The queue refused the message (its length limit).",
                jsonType: "OverLimit")
        }
        // `MD5OfMessageBody` is added off the engine loop (`SQSBodyDigests`).
        var sent = SQSSentMessage(messageID: messageID)
        sent.attributesDigest = SQSMessageAttribute.md5(attributes)
        if !fifoHeaders.isEmpty {
            sent.sequenceNumber = fifoHeaders.first { $0.0 == SQSFifo.sequenceNumberHeader }?.1.stringValue
        }
        if let traceHeader {
            sent.systemAttributesDigest = SQSMessageAttribute.md5([
                ("AWSTraceHeader", SQSMessageAttribute(dataType: "String", stringValue: traceHeader))
            ])
        }
        return sent
    }

    /// The header that carries an X-Ray trace header (`AWSTraceHeader`, the one system attribute a sender
    /// may set); `x-sqs-` headers are not message attributes.
    static let traceHeaderName = "x-sqs-aws-trace-header"

    /// `MessageSystemAttributes` of a send: only `AWSTraceHeader`, a `String`, as in SQS.
    private static func traceHeader(_ value: JSONValue?) throws(SQSError) -> String? {
        guard let value else { return nil }
        var trace: String?
        for (name, fields) in value.sqsMembers {
            guard name == "AWSTraceHeader" else {
                throw .invalid("Message system attribute name '\(name)' is invalid.")
            }
            guard fields["DataType"]?.stringValue == "String", let text = fields["StringValue"]?.stringValue,
                !text.isEmpty
            else {
                throw .invalid("Message system attribute 'AWSTraceHeader' must be a non-empty String.")
            }
            trace = text
        }
        return trace
    }

    // MARK: Receive

    func receiveMessage(_ parameters: JSONValue) throws(SQSError) -> Outcome {
        let queue = try self.queue(parameters)
        let attemptID = try SQSFifo.token(parameters, "ReceiveRequestAttemptId")
        let stored = self.registry.attributes(of: queue, in: self.host.name, now: self.now)
        let maximum = try parameters.sqsInteger("MaxNumberOfMessages", in: 1...10) ?? 1
        let wait = try parameters.sqsInteger("WaitTimeSeconds", in: 0...20) ?? stored.receiveMessageWaitTimeSeconds
        let visibility = try parameters.sqsInteger("VisibilityTimeout", in: 0...43_200) ?? stored.visibilityTimeout
        let names =
            (parameters["AttributeNames"]?.sqsItems ?? []) + (parameters["MessageSystemAttributeNames"]?.sqsItems ?? [])
        let receive = SQSReceive(
            queue: queue, maximum: Int(maximum), waitMilliseconds: wait * 1000, visibilityTimeout: visibility,
            attributeNames: Set(names.map(\.sqsText)),
            messageAttributeNames: (parameters["MessageAttributeNames"]?.sqsItems ?? []).map(\.sqsText),
            attemptID: attemptID)
        if let attemptID, let answer = self.retriedAttempt(attemptID, of: receive) { return .received(answer) }
        // One engine receive: on a FIFO queue it takes as many messages of a group as it can, in order.
        let taken: [Delivery]
        do {
            taken = try self.host.getBatch(
                queue: queue.name, maximum: receive.maximum, owner: self.connectionID, access: self.access)
        } catch {
            throw SQSError(error, queue: queue.name)
        }
        if taken.isEmpty && receive.waitMilliseconds > 0 { return .wait(receive) }
        return .received(self.received(taken, for: receive))
    }

    /// The answer to a receive: the deliveries leased for the visibility timeout. Bodies stay bytes; the
    /// answer is made on the connection's loop (`SQSReceivedMessages`).
    func received(_ deliveries: [Delivery], for receive: SQSReceive) -> SQSReceivedMessages {
        let handles = self.inFlight.lease(
            deliveries.map(\.id), of: receive.queue, for: .seconds(receive.visibilityTimeout), on: self.eventLoop)
        let all = receive.attributeNames.contains("All")
        let items: [SQSReceivedMessages.Item] = zip(deliveries, handles).map { delivery, handle in
            let properties = delivery.message.properties
            var system: [(String, String)] = []
            if all || !receive.attributeNames.isEmpty {
                func add(_ name: String, _ value: String?) {
                    if let value, all || receive.attributeNames.contains(name) { system.append((name, value)) }
                }
                add("SenderId", properties.userID)
                add("SentTimestamp", properties.timestamp.map { String($0 * 1000) })
                add("ApproximateReceiveCount", String(delivery.deliveryCount))
                add("ApproximateFirstReceiveTimestamp", delivery.deliveryCount == 1 ? String(self.broker.now) : nil)
                add("AWSTraceHeader", properties.headers?[Self.traceHeaderName]?.stringValue)
                add("MessageGroupId", properties.headers?[SQSFifo.groupHeader]?.stringValue)
                add(
                    "MessageDeduplicationId",
                    properties.headers?[SQSFifo.deduplicationIDHeader]?.stringValue
                        ?? properties.headers?[SQSFifo.deduplicationHeader]?.stringValue)
                add("SequenceNumber", properties.headers?[SQSFifo.sequenceNumberHeader]?.stringValue)
            }
            let wanted = receive.messageAttributeNames
            let attributes =
                wanted.isEmpty
                ? []
                : SQSMessageAttribute.attributes(of: properties.headers).filter { name, _ in
                    wanted.contains("All") || wanted.contains(".*") || wanted.contains(name)
                        || wanted.contains { $0.hasSuffix(".*") && name.hasPrefix($0.dropLast(1)) }
                }
            return SQSReceivedMessages.Item(
                messageID: properties.messageID ?? "\(receive.queue.name)-\(delivery.id.rawValue)",
                receiptHandle: handle, body: delivery.message.body, attributes: system,
                messageAttributes: attributes)
        }
        let answer = SQSReceivedMessages(items: items)
        if let attemptID = receive.attemptID, !handles.isEmpty {
            self.attempts.remember(
                queue: receive.queue, id: attemptID, handles: handles, answer: answer, now: self.broker.now)
        }
        return answer
    }

    /// A receive retried with its `ReceiveRequestAttemptId`: the earlier answer again, with the visibility
    /// timeout started anew, while all of its messages are still in flight under their handles (nil: a new
    /// receive, as SQS does once one of them was deleted or changed).
    private func retriedAttempt(_ id: String, of receive: SQSReceive) -> SQSReceivedMessages? {
        guard let earlier = self.attempts.earlier(queue: receive.queue, id: id, now: self.broker.now) else {
            return nil
        }
        let intact = earlier.handles.allSatisfy { handle in
            if case .found(let queue) = self.inFlight.lookup(handle) { return queue === receive.queue }
            return false
        }
        guard intact else {
            self.attempts.forget(queue: receive.queue, id: id)
            return nil
        }
        for handle in earlier.handles {
            _ = self.inFlight.changeVisibility(
                handle, to: .seconds(receive.visibilityTimeout), on: self.eventLoop)
        }
        return earlier.answer
    }

    // MARK: Delete and visibility

    func deleteMessage(_ handle: String, queue: MessageQueue, access: Result<Void, SQSError>) throws(SQSError) {
        try access.get()
        switch self.inFlight.delete(handle, of: queue) {
        case .malformed, .otherQueue: throw .receiptHandleIsInvalid(handle)
        // SQS answers a delete of a message already deleted or visible again with success.
        case .stale, .deleted: return
        }
    }

    func changeVisibility(_ handle: String, to timeout: Int64, queue: MessageQueue) throws(SQSError) {
        do {
            try self.access.authorize(.read, .queue, queue.name)
        } catch {
            throw SQSError(error, queue: queue.name)
        }
        switch self.inFlight.lookup(handle) {
        case .malformed: throw .receiptHandleIsInvalid(handle)
        case .stale:
            // What SQS answers for a handle whose message was deleted or became visible again.
            throw .invalid(
                "Value \(handle) for parameter ReceiptHandle is invalid. Reason: Message does not exist or is not available for visibility timeout change."
            )
        case .found(let owner):
            guard owner === queue else { throw .receiptHandleIsInvalid(handle) }
            _ = self.inFlight.changeVisibility(handle, to: .seconds(timeout), on: self.eventLoop)
        }
    }

    func deleteMessageBatch(_ parameters: JSONValue) throws(SQSError) -> SQSBatchResult {
        let queue = try self.queue(parameters)
        let access = self.authorization(.read, queue)
        return Self.batch("DeleteMessageBatch", try Self.batchEntries(parameters)) { entry throws(SQSError) in
            try self.deleteMessage(try entry.sqsString("ReceiptHandle"), queue: queue, access: access)
        }
    }

    func changeVisibilityBatch(_ parameters: JSONValue) throws(SQSError) -> SQSBatchResult {
        let queue = try self.queue(parameters)
        return Self.batch("ChangeMessageVisibilityBatch", try Self.batchEntries(parameters)) { entry throws(SQSError) in
            guard let timeout = try entry.sqsInteger("VisibilityTimeout", in: 0...43_200) else {
                throw .missing("VisibilityTimeout")
            }
            try self.changeVisibility(try entry.sqsString("ReceiptHandle"), to: timeout, queue: queue)
        }
    }

    // MARK: Batches

    static func batchEntries(_ parameters: JSONValue) throws(SQSError) -> [JSONValue] {
        let entries = parameters["Entries"]?.sqsItems ?? []
        try Self.checkBatchIDs(entries.map { $0["Id"]?.sqsText ?? "" })
        return entries
    }

    /// A batch's entry ids as SQS checks them: 1 to 10 entries, each id 1–80 of `[A-Za-z0-9_-]`, no two alike.
    static func checkBatchIDs(_ ids: [String]) throws(SQSError) {
        if ids.isEmpty {
            throw SQSError(
                "AWS.SimpleQueueService.EmptyBatchRequest", "There should be at least one entry in the request.",
                jsonType: "EmptyBatchRequest")
        }
        if ids.count > 10 {
            throw SQSError(
                "AWS.SimpleQueueService.TooManyEntriesInBatchRequest",
                "Maximum number of entries per request are 10. You have sent \(ids.count).",
                jsonType: "TooManyEntriesInBatchRequest")
        }
        for (position, id) in ids.enumerated() {
            guard !id.isEmpty, id.utf8.count <= 80,
                id.utf8.allSatisfy({ byte in
                    (byte >= 0x30 && byte <= 0x39) || (byte >= 0x41 && byte <= 0x5A) || (byte >= 0x61 && byte <= 0x7A)
                        || byte == UInt8(ascii: "-") || byte == UInt8(ascii: "_")
                })
            else {
                throw SQSError(
                    "AWS.SimpleQueueService.InvalidBatchEntryId",
                    "A batch entry id can only contain alphanumeric characters, hyphens and underscores. It can be at most 80 letters long.",
                    jsonType: "InvalidBatchEntryId")
            }
            // At most 10 ids: comparing with the earlier ones costs less than hashing each into a set.
            guard !ids[..<position].contains(id) else {
                throw SQSError(
                    "AWS.SimpleQueueService.BatchEntryIdsNotDistinct", "Id \(id) repeated.",
                    jsonType: "BatchEntryIdsNotDistinct")
            }
        }
    }

    private static func batch(
        _ action: String, _ entries: [JSONValue], _ body: (JSONValue) throws(SQSError) -> Void
    ) -> SQSBatchResult {
        var result = SQSBatchResult(action: action)
        result.successful.reserveCapacity(entries.count)
        for entry in entries {
            let id = entry["Id"]?.sqsText ?? ""
            do {
                try body(entry)
                result.successful.append(id)
            } catch {
                result.failed.append((id, error))
            }
        }
        return result
    }

    static func failure(id: String, _ error: SQSError) -> JSONValue {
        .object([
            ("Id", .string(id)), ("SenderFault", .bool(error.isSenderFault)), ("Code", .string(error.code)),
            ("Message", .string(error.message)),
        ])
    }
}
