import JunctionCore
import JunctionModel

/// `POST /api/queues/{vhost}/{name}/move`: moves messages out of a queue, as RabbitMQ's shovel
/// "move messages" does for a dead-letter queue. Body: `{"destination": "queue"}` (through the
/// default exchange) or `{"to_origin": true}` (back to the exchange and routing key the newest
/// `x-death` entry names), and `"count": N` (default: every message ready when the request came).
/// Each message is taken, published, then acknowledged in the source; one that cannot go (no
/// `x-death`, or nothing routes it) is put back and counted as `skipped`, never dropped.
extension HTTPAPI {
    func move(
        vhost: String, queue name: String, request: HTTPRequest, user: AuthenticatedUser
    ) throws(HTTPAPIError) -> HTTPResponse {
        let host = try self.host(vhost, user: user)
        let access = try self.access(vhost, user: user)
        let body = try request.jsonBody()
        guard body.objectValue != nil else { throw .badRequest("body must be a JSON object") }
        guard let source = host.queue(named: name) else { throw .notFound("no queue '\(name)' in vhost '\(vhost)'") }
        let toOrigin = try Self.flag(body, "to_origin", default: false)
        let destination = body["destination"]?.stringValue
        switch (destination, toOrigin) {
        case (nil, false): throw .badRequest("give 'destination' (a queue) or 'to_origin': true")
        case (.some, true): throw .badRequest("'destination' and 'to_origin' exclude each other")
        case (.some(let target), false):
            guard target != name else { throw .badRequest("a queue cannot be moved into itself") }
            guard host.queue(named: target) != nil else {
                throw .notFound("no queue '\(target)' in vhost '\(vhost)'")
            }
        case (nil, true): break
        }
        let limit: Int
        if let requested = body["count"], requested != .null {
            guard let count = requested.intValue, count >= 1 else { throw .badRequest("'count' must be at least 1") }
            limit = Int(clamping: count)
        } else {
            limit = source.readyCount
        }
        var moved = 0
        var skipped: [DeliveryID] = []
        // Bounded by the count (or the messages ready at the start): put-back ones are not seen again.
        for _ in 0..<min(limit, source.readyCount) {
            let taken: (delivery: Delivery, messageCount: Int)?
            do {
                taken = try host.get(queue: name, noAck: false, owner: self.connectionID, access: access)
            } catch {
                source.reject(skipped, requeue: true)
                throw HTTPAPIError(error)
            }
            guard let (delivery, _) = taken else { break }
            var message = delivery.message
            if let destination {
                message.exchange = ""
                message.routingKey = destination
            } else if let origin = Self.origin(of: message) {
                message.exchange = origin.exchange
                message.routingKey = origin.routingKey
            } else {
                skipped.append(delivery.id)
                continue
            }
            let outcome: PublishOutcome
            do {
                outcome = try host.publish(message, access: access)
            } catch {
                source.reject(skipped + [delivery.id], requeue: true)
                throw HTTPAPIError(error)
            }
            if case .routed(let queues) = outcome, queues > 0 {
                source.ack([delivery.id])
                moved += 1
            } else {
                skipped.append(delivery.id)
            }
        }
        source.reject(skipped, requeue: true)
        return .json(.object([("moved", .int(moved)), ("skipped", .int(skipped.count))]))
    }

    /// The exchange and first routing key of the newest `x-death` entry.
    private static func origin(of message: Message) -> (exchange: String, routingKey: String)? {
        guard case .array(let deaths) = message.properties.headers?["x-death"],
            case .table(let newest) = deaths.first,
            let exchange = newest["exchange"]?.stringValue,
            case .array(let keys) = newest["routing-keys"],
            let routingKey = keys.first?.stringValue
        else { return nil }
        return (exchange, routingKey)
    }
}
