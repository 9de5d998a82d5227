import JunctionCore
import JunctionModel
import NIOCore
import NIOHTTP1

/// A validated Server-Sent Events request; the connection handler subscribes and writes the events.
struct HTTPEventsRequest {
    enum Source {
        /// Follow a stream from a start offset (`x-stream-offset`), optionally as a consumer group.
        case stream(name: String, arguments: FieldTable, group: String?)
        /// A private queue bound to `exchange` with `routingKey`.
        case exchange(name: String, routingKey: String)
    }

    var host: VirtualHost
    /// The caller's context: the subscription is checked against it.
    var access: AccessContext
    var source: Source
    var format: HTTPEventFormat
    var heartbeatSeconds: Int64
}

/// `GET /api/v1/streams/{vhost}/{stream}/events` and `GET /api/v1/exchanges/{vhost}/{exchange}/events`.
extension HTTPAPI {
    /// Everything that can fail before the event stream starts fails here, as a JSON error.
    func streamEvents(
        vhost: String, stream name: String, request: HTTPRequest, user: AuthenticatedUser
    ) throws(HTTPAPIError) -> HTTPEventsRequest {
        let host = try self.host(vhost, user: user)
        let access = try self.access(vhost, user: user)
        guard host.stream(named: name) != nil else {
            if host.queue(named: name) != nil {
                throw .badRequest("queue '\(name)' in vhost '\(vhost)' is not a stream")
            }
            throw .notFound("no stream '\(name)' in vhost '\(vhost)'")
        }
        let query = try HTTPStreamQuery(request.path.query, defaultOffset: "next")
        var arguments = query.arguments
        // A reconnecting EventSource sends the id of the last event it saw: resume right after it.
        if let text = request.headers.first(name: "Last-Event-ID"), !text.isEmpty {
            guard let last = Int64(text), last >= 0, last < Int64.max else {
                throw .badRequest("'Last-Event-ID' must be a stream offset")
            }
            arguments["x-stream-offset"] = .int64(last + 1)
        }
        return HTTPEventsRequest(
            host: host,
            access: access,
            source: .stream(name: name, arguments: arguments, group: query.group),
            format: try HTTPEventFormat(query: request.path.query["format"]),
            heartbeatSeconds: try Self.heartbeat(request)
        )
    }

    func exchangeEvents(
        vhost: String, exchange name: String, request: HTTPRequest, user: AuthenticatedUser
    ) throws(HTTPAPIError) -> HTTPEventsRequest {
        let host = try self.host(vhost, user: user)
        let access = try self.access(vhost, user: user)
        guard host.exchange(named: name) != nil else { throw .notFound("no exchange '\(name)' in vhost '\(vhost)'") }
        if name.isEmpty { throw .forbidden("the default exchange cannot be bound to") }
        return HTTPEventsRequest(
            host: host,
            access: access,
            source: .exchange(name: name, routingKey: request.path.query["routing_key"] ?? ""),
            format: try HTTPEventFormat(query: request.path.query["format"]),
            heartbeatSeconds: try Self.heartbeat(request)
        )
    }

    private static func heartbeat(_ request: HTTPRequest) throws(HTTPAPIError) -> Int64 {
        guard let text = request.path.query["heartbeat"] else { return 15 }
        guard let seconds = Int64(text), (1...300).contains(seconds) else {
            throw .badRequest("'heartbeat' must be an integer in 1...300 (seconds)")
        }
        return seconds
    }
}
