import JunctionCore
import JunctionModel
import NIOCore
import NIOHTTP1

/// Reading streams over HTTP: `GET /api/v1/streams/{vhost}/{stream}/messages`.
extension HTTPAPI {
    /// Reads up to `max` messages from where the query says. With `group`, reading starts after the
    /// group's committed offset (the query's offset applies while it has none) and the returned
    /// messages are committed for the group as the response is produced: a client that loses the
    /// response loses them (at-most-once), the next read continues after them. A group whose
    /// active member is another consumer answers 409.
    func readStream(
        vhost: String, stream name: String, request: HTTPRequest, user: AuthenticatedUser
    ) throws(HTTPAPIError) -> HTTPResponse {
        let host = try self.host(vhost, user: user)
        let access = try self.access(vhost, user: user)
        if let partitioned = host.partitionedStream(named: name) {
            let query = try HTTPStreamQuery(request.path.query, defaultOffset: "first")
            guard query.group != nil else {
                throw .badRequest("stream '\(name)' in vhost '\(vhost)' is partitioned: read it with a group")
            }
            return try self.readPartitionedStream(partitioned, host: host, access: access, query: query)
        }
        guard let stream = host.stream(named: name) else {
            if host.queue(named: name) != nil {
                throw .badRequest("queue '\(name)' in vhost '\(vhost)' is not a stream")
            }
            throw .notFound("no stream '\(name)' in vhost '\(vhost)'")
        }
        let query = try HTTPStreamQuery(request.path.query, defaultOffset: "first")
        let reader = HTTPStreamReader()
        let subscription: StreamSubscription
        do {
            subscription = try host.consumeStream(
                name,
                consumer: reader,
                tag: Self.streamReaderTag(),
                noAck: false,
                prefetch: query.max,
                arguments: query.arguments,
                owner: self.connectionID, access: access
            )
        } catch {
            throw HTTPAPIError(error)
        }
        guard subscription.isActive else {
            subscription.cancel()
            throw HTTPAPIError(
                status: .conflict,
                error: "conflict",
                reason: "consumer group '\(query.group ?? "")' of stream '\(name)' has another active consumer"
            )
        }
        subscription.resume()
        let deliveries = reader.deliveries
        subscription.settle(acked: deliveries.map(\.id))
        subscription.cancel()
        let range = stream.offsetRange
        let next = deliveries.last.map { $0.offset + 1 } ?? max(subscription.nextOffsetToRead, range.first)
        return .json(
            .object([
                ("stream", .string(name)),
                ("group", query.group.map(JSONValue.string) ?? .null),
                ("messages", .array(deliveries.map { .object(Self.streamMessageFields($0)) })),
                ("next_offset", .int(next)),
                ("last_offset", range.next > range.first ? .int(range.next - 1) : .null),
            ])
        )
    }

    /// One stream message: its offset, then the management API's message fields.
    static func streamMessageFields(_ delivery: StreamDelivery) -> [(String, JSONValue)] {
        let bytes = Array(delivery.message.body.readableBytesView)
        let text = String(validating: bytes, as: UTF8.self)
        let partition: [(String, JSONValue)] = delivery.partition.map { [("partition", .int(Int64($0)))] } ?? []
        return [("offset", .int(delivery.offset))] + partition + [
            ("redelivered", .bool(delivery.redelivered)),
            ("exchange", .string(delivery.message.exchange)),
            ("routing_key", .string(delivery.message.routingKey)),
            ("properties", delivery.message.properties.json),
            ("payload_bytes", .int(Int64(bytes.count))),
            ("payload", .string(text ?? Base64.encode(bytes))),
            ("payload_encoding", .string(text == nil ? "base64" : "string")),
        ]
    }

    static func streamReaderTag() -> String {
        "http.stream-" + String(UInt64.random(in: 0...UInt64.max), radix: 16)
    }
}
