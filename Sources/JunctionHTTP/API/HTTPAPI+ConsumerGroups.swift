import JunctionCore
import NIOHTTP1

/// Stream consumer groups, as `kafka-consumer-groups --describe` and `--reset-offsets` show and
/// move them: `GET /api/consumer-groups[/{vhost}]` and
/// `POST /api/consumer-groups/{vhost}/{group}/reset-offsets`.
extension HTTPAPI {
    /// One entry per group and stream (a group may read several streams), sorted by vhost, group, stream.
    func consumerGroups(vhost: String?, user: AuthenticatedUser) throws(HTTPAPIError) -> [JSONValue] {
        let hosts = try self.hosts(vhost, user: user)
        var rows: [(key: [String], value: JSONValue)] = []
        for host in hosts {
            for stream in host.streams {
                let range = stream.offsetRange
                for group in stream.groups {
                    let next = group.committedOffset.map { max($0 + 1, range.first) }
                    // -1 after a reset to offset 0: nothing processed, shown as nothing committed.
                    let committed = group.committedOffset.flatMap { $0 >= 0 ? $0 : nil }
                    rows.append(
                        (
                            [host.name, group.name, stream.name],
                            .object([
                                ("name", .string(group.name)),
                                ("vhost", .string(host.name)),
                                ("stream", .string(stream.name)),
                                ("type", .string(group.isShared ? "shared" : "single-active")),
                                ("committed_offset", committed.map(JSONValue.int) ?? .null),
                                ("next_offset", next.map(JSONValue.int) ?? .null),
                                ("last_offset", range.next > range.first ? .int(range.next - 1) : .null),
                                ("lag", .int(group.lag)),
                                ("members", .int(Int64(group.memberCount))),
                                ("active_consumer", group.activeConsumerTag.map(JSONValue.string) ?? .null),
                            ])
                        ))
                }
            }
        }
        return rows.sorted { $0.key.lexicographicallyPrecedes($1.key) }.map(\.value)
    }

    /// Body: `{"stream": "s", "to": "earliest" | "latest" | "offset" | "timestamp", "offset": N,
    /// "timestamp": milliseconds since the epoch, "force": false}`. 409 while the group has members
    /// and `force` is not true.
    func resetConsumerGroup(
        vhost: String, group: String, request: HTTPRequest, user: AuthenticatedUser
    ) throws(HTTPAPIError) -> HTTPResponse {
        let host = try self.host(vhost, user: user)
        let body = try request.jsonBody()
        guard let name = body["stream"]?.stringValue, !name.isEmpty else {
            throw .badRequest("field 'stream' (the stream whose offset to reset) is required")
        }
        guard let stream = host.stream(named: name) else {
            if host.queue(named: name) != nil {
                throw .badRequest("queue '\(name)' in vhost '\(vhost)' is not a stream")
            }
            throw .notFound("no stream '\(name)' in vhost '\(vhost)'")
        }
        let target: StreamGroupResetTarget
        switch body["to"]?.stringValue {
        case "earliest": target = .earliest
        case "latest": target = .latest
        case "offset":
            guard let offset = body["offset"]?.intValue, offset >= 0 else {
                throw .badRequest("'to': 'offset' needs a non-negative integer 'offset'")
            }
            target = .offset(offset)
        case "timestamp":
            guard let milliseconds = body["timestamp"]?.intValue else {
                throw .badRequest("'to': 'timestamp' needs 'timestamp' in milliseconds since the epoch")
            }
            target = .timestamp(milliseconds: milliseconds)
        default:
            throw .badRequest("field 'to' must be one of earliest, latest, offset, timestamp")
        }
        if let force = body["force"], force.boolValue == nil {
            throw .badRequest("field 'force' must be true or false")
        }
        let reset: StreamGroupReset
        do {
            reset = try stream.resetGroup(group, to: target, force: body["force"]?.boolValue ?? false)
        } catch {
            if error.kind == .resourceLocked {
                throw HTTPAPIError(status: .conflict, error: "group_active", reason: error.detail)
            }
            throw HTTPAPIError(error)
        }
        return .json(
            .object([
                ("name", .string(reset.group)),
                ("vhost", .string(vhost)),
                ("stream", .string(name)),
                ("previous_committed_offset", reset.previousCommittedOffset.map(JSONValue.int) ?? .null),
                ("committed_offset", reset.committedOffset < 0 ? .null : .int(reset.committedOffset)),
                ("next_offset", .int(reset.nextOffset)),
            ]))
    }
}
