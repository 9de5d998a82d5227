import JunctionCore
import JunctionModel
import NIOCore
import NIOHTTP1

/// Publishing and consuming: RabbitMQ's `/publish` and `/get`, the raw-body publish and the
/// long-poll consume of the script API.
extension HTTPAPI {
    func publish(
        vhost: String, exchange: String, request: HTTPRequest, user: AuthenticatedUser
    ) throws(HTTPAPIError) -> HTTPResponse {
        let host = try self.host(vhost, user: user)
        let access = try self.access(vhost, user: user)
        let body = try request.jsonBody()
        guard body.objectValue != nil else { throw .badRequest("body must be a JSON object") }
        guard let routingKey = body["routing_key"]?.stringValue else { throw .badRequest("'routing_key' is required") }
        guard let payload = body["payload"]?.stringValue else { throw .badRequest("'payload' must be a string") }
        let properties =
            try body["properties"].map { value throws(HTTPAPIError) in try MessageProperties(json: value) }
            ?? MessageProperties()
        let bytes: ByteBuffer
        switch body["payload_encoding"]?.stringValue ?? "string" {
        case "string": bytes = ByteBuffer(string: payload)
        case "base64":
            guard let decoded = Base64.decode(payload) else { throw .badRequest("payload is not valid base64") }
            bytes = ByteBuffer(bytes: decoded)
        default: throw .badRequest("payload_encoding must be 'string' or 'base64'")
        }
        let outcome = try self.route(
            Message(exchange: exchange, routingKey: routingKey, properties: properties, body: bytes), in: host,
            access: access)
        return .json(.object([("routed", .bool(outcome))]))
    }

    func rawPublish(
        vhost: String, exchange: String, request: HTTPRequest, user: AuthenticatedUser
    ) throws(HTTPAPIError) -> HTTPResponse {
        let host = try self.host(vhost, user: user)
        let access = try self.access(vhost, user: user)
        var properties = try HTTPMessageHeaders.properties(from: request.headers)
        let messageID = properties.messageID ?? Self.newMessageID()
        properties.messageID = messageID
        if properties.timestamp == nil { properties.timestamp = self.broker.now / 1000 }
        let routingKey =
            request.path.query["routing_key"] ?? request.headers.first(name: HTTPMessageHeaders.routingKey) ?? ""
        let routed = try self.route(
            Message(exchange: exchange, routingKey: routingKey, properties: properties, body: request.body), in: host,
            access: access)
        var response = HTTPResponse.json(
            .object([("message_id", .string(messageID)), ("routed", .bool(routed))]), status: .created)
        response.headers.add(name: HTTPMessageHeaders.messageID, value: messageID)
        return response
    }

    /// Publishes unless an alarm blocks publishers; true when at least one queue took the message.
    private func route(_ message: Message, in host: VirtualHost, access: AccessContext) throws(HTTPAPIError) -> Bool {
        do {
            try message.properties.checkUserID(publishedBy: access.user)
        } catch {
            throw HTTPAPIError(error)
        }
        guard self.broker.resourceAlarms.isEmpty else { throw .alarm(self.broker.resourceAlarms) }
        if host.exchange(named: message.exchange) == nil {
            throw .notFound("no exchange '\(message.exchange)' in vhost '\(host.name)'")
        }
        do {
            switch try host.publish(message, access: access) {
            case .routed(let count): return count > 0
            case .unroutable: return false
            }
        } catch {
            throw HTTPAPIError(error)
        }
    }

    private static func newMessageID() -> String {
        let high = UInt64.random(in: 0...UInt64.max)
        let low = UInt64.random(in: 0...UInt64.max)
        let text = String(high, radix: 16) + String(low, radix: 16)
        return String(repeating: "0", count: max(0, 32 - text.count)) + text
    }

    /// `POST /api/queues/{vhost}/{queue}/get`: takes up to `count` messages, then settles them as
    /// `ackmode` says. Requeueing happens after all are taken, so one call never sees a message twice.
    func get(
        vhost: String, queue name: String, request: HTTPRequest, user: AuthenticatedUser
    ) throws(HTTPAPIError) -> HTTPResponse {
        let host = try self.host(vhost, user: user)
        let access = try self.access(vhost, user: user)
        let body = try request.jsonBody()
        guard body.objectValue != nil else { throw .badRequest("body must be a JSON object") }
        let count = Int(body["count"]?.intValue ?? 1)
        guard (1...self.configuration.maxGetCount).contains(count) else {
            throw .badRequest("'count' must be in 1...\(self.configuration.maxGetCount) (http.max_get_count)")
        }
        let ackMode = body["ackmode"]?.stringValue ?? "ack_requeue_true"
        let settle: (MessageQueue, [DeliveryID]) -> Void
        switch ackMode {
        case "ack_requeue_true", "reject_requeue_true": settle = { queue, ids in queue.reject(ids, requeue: true) }
        case "ack_requeue_false": settle = { queue, ids in queue.ack(ids) }
        case "reject_requeue_false": settle = { queue, ids in queue.reject(ids, requeue: false) }
        default:
            throw .badRequest(
                "ackmode must be ack_requeue_true, ack_requeue_false, reject_requeue_true or reject_requeue_false")
        }
        let encoding = body["encoding"]?.stringValue ?? "auto"
        guard encoding == "auto" || encoding == "base64" else {
            throw .badRequest("encoding must be 'auto' or 'base64'")
        }
        let truncate = body["truncate"]?.intValue.map { Int(clamping: $0) }
        guard let queue = host.queue(named: name) else { throw .notFound("no queue '\(name)' in vhost '\(vhost)'") }
        var items: [JSONValue] = []
        var ids: [DeliveryID] = []
        for _ in 0..<count {
            let taken: (delivery: Delivery, messageCount: Int)?
            do {
                taken = try host.get(queue: name, noAck: false, owner: self.connectionID, access: access)
            } catch {
                throw HTTPAPIError(error)
            }
            guard let (delivery, remaining) = taken else { break }
            ids.append(delivery.id)
            var fields = Self.messageFields(delivery, base64: encoding == "base64", truncate: truncate)
            fields.insert(("message_count", .int(remaining)), at: 0)
            items.append(.object(fields))
        }
        settle(queue, ids)
        return .json(.array(items))
    }

    /// A delivered message in the management API's shape.
    static func messageFields(_ delivery: Delivery, base64: Bool, truncate: Int?) -> [(String, JSONValue)] {
        var body = delivery.message.body
        let size = body.readableBytes
        if let truncate, truncate >= 0, truncate < size {
            body = body.getSlice(at: body.readerIndex, length: truncate) ?? body
        }
        let bytes = Array(body.readableBytesView)
        let text = base64 ? nil : String(validating: bytes, as: UTF8.self)
        return [
            ("payload_bytes", .int(size)),
            ("redelivered", .bool(delivery.redelivered)),
            ("exchange", .string(delivery.message.exchange)),
            ("routing_key", .string(delivery.message.routingKey)),
            ("properties", delivery.message.properties.json),
            ("payload", .string(text ?? Base64.encode(bytes))),
            ("payload_encoding", .string(text == nil ? "base64" : "string")),
        ]
    }

    /// `GET /api/v1/queues/{vhost}/{queue}/messages?max=N&wait=S&lease=S`.
    func pollRequest(
        vhost: String, queue name: String, request: HTTPRequest, user: AuthenticatedUser
    ) throws(HTTPAPIError) -> HTTPPollRequest {
        let host = try self.host(vhost, user: user)
        let access = try self.access(vhost, user: user)
        guard let queue = host.queue(named: name) else { throw .notFound("no queue '\(name)' in vhost '\(vhost)'") }
        if let owner = queue.exclusiveOwner, owner != self.connectionID {
            throw HTTPAPIError(.resourceLocked("queue '\(name)' is exclusive to another connection"))
        }
        let query = request.path.query
        let max = try Self.number(query["max"], name: "max", default: 1, range: 1...100)
        let wait = try Self.seconds(
            query["wait"], name: "wait", default: 0, limit: Double(self.configuration.maxPollWaitSeconds))
        let lease = try Self.seconds(
            query["lease"], name: "lease",
            default: Double(min(self.configuration.defaultLeaseSeconds, self.configuration.maxLeaseSeconds)),
            limit: Double(self.configuration.maxLeaseSeconds))
        guard lease > 0 else { throw .badRequest("'lease' must be positive") }
        let held = self.state.leases.count(of: user.name)
        guard held + max <= self.configuration.maxLeasesPerUser else {
            throw HTTPAPIError(
                status: .tooManyRequests, error: "too_many_leases",
                reason: "user '\(user.name)' holds \(held) leased messages; the limit is "
                    + "\(self.configuration.maxLeasesPerUser) (http.max_leases_per_user): ack or release some first")
        }
        do {
            // Checked now, so a refusal is this request's 403 rather than an empty poll.
            try access.authorize(.read, .queue, name)
        } catch {
            throw HTTPAPIError(error)
        }
        return HTTPPollRequest(
            queue: queue, access: access, vhost: vhost, max: max, waitMilliseconds: Int64(wait * 1000),
            leaseMilliseconds: Int64(lease * 1000), user: user.name)
    }

    private static func number(
        _ text: String?, name: String, default value: Int, range: ClosedRange<Int>
    ) throws(HTTPAPIError) -> Int {
        guard let text else { return value }
        guard let number = Int(text), range.contains(number) else {
            throw .badRequest("'\(name)' must be an integer in \(range.lowerBound)...\(range.upperBound)")
        }
        return number
    }

    private static func seconds(
        _ text: String?, name: String, default value: Double, limit: Double
    ) throws(HTTPAPIError) -> Double {
        guard let text else { return value }
        guard let number = Double(text), number >= 0, number <= limit else {
            throw .badRequest("'\(name)' must be a number of seconds in 0...\(Int(limit))")
        }
        return number
    }

    /// Declares `aliveness-test`, publishes to it and gets the message back.
    func aliveness(vhost: String, user: AuthenticatedUser) throws(HTTPAPIError) -> HTTPResponse {
        let host = try self.host(vhost, user: user)
        let access = try self.access(vhost, user: user)
        let name = "aliveness-test"
        do {
            _ = try host.declareQueue(
                name, durable: false, exclusive: false, autoDelete: false, arguments: [:], passive: false,
                owner: self.connectionID, access: access)
            _ = try host.publish(
                Message(exchange: "", routingKey: name, body: ByteBuffer(string: "test_message")), access: access)
            guard let (delivery, _) = try host.get(queue: name, noAck: true, owner: self.connectionID, access: access),
                delivery.message.body == ByteBuffer(string: "test_message")
            else {
                return .json(
                    .object([("status", .string("failed")), ("reason", .string("message did not come back"))]),
                    status: .serviceUnavailable)
            }
        } catch {
            throw HTTPAPIError(error)
        }
        return .json(.object([("status", .string("ok"))]))
    }
}
