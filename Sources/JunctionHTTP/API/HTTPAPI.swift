import JunctionCore
import NIOCore
import NIOHTTP1

/// What the API makes of a request: a response now, a long-poll consume the connection handler
/// completes later, or an event stream it keeps open.
enum HTTPAPIResult {
    case response(HTTPResponse)
    case poll(HTTPPollRequest)
    /// A Server-Sent Events response the connection handler keeps writing until the client goes.
    case events(HTTPEventsRequest)
}

struct HTTPPollRequest {
    var queue: MessageQueue
    /// The caller's context: the long poll's consume and gets are checked against it.
    var access: AccessContext
    var vhost: String
    var max: Int
    var waitMilliseconds: Int64
    var leaseMilliseconds: Int64
    /// Who polls: leases count against this user's `max_leases_per_user`.
    var user: String
}

/// The management and script API over the engine. Called on the engine loop, synchronously; every
/// failure leaves as an `HTTPAPIError`.
struct HTTPAPI {
    let broker: Broker
    let configuration: HTTPListenerConfiguration
    let state: HTTPListenerState
    /// Owner of what HTTP declares (exclusive queues are not declarable over HTTP).
    let connectionID: ConnectionID
    let eventLoop: any EventLoop

    func handle(_ request: HTTPRequest, route: HTTPRoute, user: AuthenticatedUser) throws(HTTPAPIError) -> HTTPAPIResult
    {
        try self.authorize(route: route, method: request.method, user: user)
        switch route {
        case .dashboard, .demo:
            preconditionFailure("pages are served without the API")
        case .metrics: return .response(self.metrics())
        case .overview: return .response(.json(self.overview(request: request)))
        case .whoami:
            return .response(
                .json(
                    .object([("name", .string(user.name)), ("tags", .array(user.tags.sorted().map(JSONValue.string)))]))
            )
        case .vhosts:
            return .response(.json(.array(self.visibleHosts(user: user).map(ManagementRepresentation.vhost))))
        case .vhost(let name): return try self.vhost(name, request: request, user: user)
        case .users: return .response(.json(.array(self.broker.accessControl.allUsers.map(Self.user))))
        case .user(let name): return try self.user(name, request: request)
        case .accessKeys(let name): return try self.accessKeys(of: name, request: request)
        case .accessKey(let name, let id): return try self.deleteAccessKey(id, of: name)
        case .permissions: return .response(.json(.array(self.permissionList())))
        case .permission(let vhost, let name): return try self.permission(vhost: vhost, user: name, request: request)
        case .topicPermissions: return .response(.json(.array(self.topicPermissionList())))
        case .topicPermission(let vhost, let name):
            return try self.topicPermission(vhost: vhost, user: name, request: request)
        case .exchanges(let vhost): return .response(.json(.array(try self.exchanges(in: vhost, user: user))))
        case .exchange(let vhost, let name):
            return try self.exchange(vhost: vhost, name: name, request: request, user: user)
        case .publish(let vhost, let exchange):
            return .response(try self.publish(vhost: vhost, exchange: exchange, request: request, user: user))
        case .queues(let vhost): return .response(.json(.array(try self.queues(in: vhost, user: user))))
        case .queue(let vhost, let name): return try self.queue(vhost: vhost, name: name, request: request, user: user)
        case .queueContents(let vhost, let name):
            let host = try self.host(vhost, user: user)
            let access = try self.access(vhost, user: user)
            do {
                _ = try host.purgeQueue(name, owner: self.connectionID, access: access)
            } catch {
                throw HTTPAPIError(error)
            }
            return .response(.noContent())
        case .queueGet(let vhost, let name):
            return .response(try self.get(vhost: vhost, queue: name, request: request, user: user))
        case .queueMove(let vhost, let name):
            return .response(try self.move(vhost: vhost, queue: name, request: request, user: user))
        case .queueBindings(let vhost, let name):
            let host = try self.host(vhost, user: user)
            guard host.queue(named: name) != nil else { throw .notFound("no queue '\(name)' in vhost '\(vhost)'") }
            let bindings = host.bindings.filter { $0.destinationKind == .queue && $0.destination == name }
            return .response(.json(.array(bindings.map { ManagementRepresentation.binding($0, vhost: vhost) })))
        case .bindings(let vhost):
            let hosts = try self.hosts(vhost, user: user)
            return .response(
                .json(
                    .array(
                        hosts.flatMap { host in
                            host.bindings.map { ManagementRepresentation.binding($0, vhost: host.name) }
                        })))
        case .bindingsBetween(let vhost, let source, let kind, let destination):
            return try self.bindingsBetween(
                vhost: vhost, source: source, kind: kind, destination: destination, request: request, user: user)
        case .binding(let vhost, let source, let kind, let destination, let key):
            return try self.binding(
                vhost: vhost, source: source, kind: kind, destination: destination, key: key, request: request,
                user: user)
        case .connections:
            return .response(
                .json(.array(self.broker.connections.map { ManagementRepresentation.connection($0.summary) })))
        case .connection(let name): return try self.connection(name, request: request)
        case .channels: return .response(.json(.array(self.channels())))
        case .consumers(let vhost):
            let hosts = try self.hosts(vhost, user: user)
            return .response(
                .json(
                    .array(
                        hosts.flatMap { host in
                            host.queues.flatMap {
                                $0.subscriptions.map { ManagementRepresentation.consumer($0, vhost: host.name) }
                            }
                                + host.streams.flatMap {
                                    $0.consumers.map { ManagementRepresentation.streamConsumer($0, vhost: host.name) }
                                }
                        }))
            )
        case .consumerGroups(let vhost):
            return .response(.json(.array(try self.consumerGroups(vhost: vhost, user: user))))
        case .consumerGroupReset(let vhost, let group):
            return .response(try self.resetConsumerGroup(vhost: vhost, group: group, request: request, user: user))
        case .definitions:
            if request.method == .POST {
                try self.importDefinitions(try request.jsonBody())
                return .response(.noContent())
            }
            return .response(.json(self.exportDefinitions()))
        case .policies(let vhost, let isOperator):
            let kind: Policy.Kind = isOperator ? .operatorPolicy : .user
            let hosts = try self.hosts(vhost, user: user)
            return .response(
                .json(.array(hosts.flatMap { host in host.policies(kind).map { Self.policy($0, vhost: host.name) } })))
        case .policy(let vhost, let name, let isOperator):
            return try self.policy(
                vhost: vhost, name: name, kind: isOperator ? .operatorPolicy : .user, request: request, user: user)
        case .alarmsHealthCheck:
            let alarms = self.broker.resourceAlarms
            if alarms.isEmpty { return .response(.json(.object([("status", .string("ok"))]))) }
            return .response(
                .json(
                    .object([
                        ("status", .string("failed")),
                        ("reason", .string("resource alarm(s) in effect: \(alarms.sorted().joined(separator: ", "))")),
                    ]),
                    status: .serviceUnavailable
                )
            )
        case .healthLive: return .response(Self.liveness())
        case .healthReady: return .response(self.readiness())
        case .alivenessTest(let vhost): return .response(try self.aliveness(vhost: vhost, user: user))
        case .rawPublish(let vhost, let exchange):
            return .response(try self.rawPublish(vhost: vhost, exchange: exchange, request: request, user: user))
        case .messages(let vhost, let queue):
            return .poll(try self.pollRequest(vhost: vhost, queue: queue, request: request, user: user))
        case .streamMessages(let vhost, let stream):
            return .response(try self.readStream(vhost: vhost, stream: stream, request: request, user: user))
        case .streamEvents(let vhost, let stream):
            return .events(try self.streamEvents(vhost: vhost, stream: stream, request: request, user: user))
        case .exchangeEvents(let vhost, let exchange):
            return .events(try self.exchangeEvents(vhost: vhost, exchange: exchange, request: request, user: user))
        case .receipt(let receipt):
            let settlement: HTTPLeases.Settlement
            if request.method == .DELETE {
                settlement = .ack
            } else {
                let requeue = request.path.query["requeue"].map { $0 == "true" } ?? true
                settlement = .reject(requeue: requeue)
            }
            guard self.state.leases.settle(receipt: receipt, settlement) else {
                throw .notFound("unknown receipt '\(receipt)' (settled already, or its lease expired)")
            }
            return .response(.noContent())
        }
    }

    /// Management reads need the `administrator`, `monitoring` or `management` tag, management
    /// writes `administrator`; publishing and consuming need only access to the vhost.
    private func authorize(route: HTTPRoute, method: HTTPMethod, user: AuthenticatedUser) throws(HTTPAPIError) {
        switch route {
        case .publish, .queueGet, .rawPublish, .messages, .streamMessages, .streamEvents, .exchangeEvents, .receipt,
            .whoami, .alivenessTest, .overview, .healthLive, .healthReady:
            return
        case .users, .user, .accessKeys, .accessKey, .permissions, .permission, .topicPermissions, .topicPermission:
            // Users and permissions are the administrator's, reads included (as in RabbitMQ).
            guard user.tags.contains("administrator") else {
                throw .forbidden("user '\(user.name)' needs the tag administrator")
            }
        case .policies(_, let isOperator), .policy(_, _, let isOperator):
            // RabbitMQ: policies are for `policymaker` and `administrator`, operator policies for
            // `administrator` only, reads included.
            let allowed: Set<String> = isOperator ? ["administrator"] : ["administrator", "policymaker"]
            guard !user.tags.isDisjoint(with: allowed) else {
                throw .forbidden(
                    "user '\(user.name)' needs one of the tags \(allowed.sorted().joined(separator: ", "))")
            }
        case .dashboard, .demo, .metrics, .vhosts, .vhost, .exchanges, .exchange, .queues,
            .queue,
            .queueContents, .queueMove, .queueBindings, .bindings, .bindingsBetween, .binding, .connections,
            .connection, .channels,
            .consumers, .consumerGroups, .consumerGroupReset,
            .definitions, .alarmsHealthCheck:
            let isWrite = method != .GET && method != .HEAD
            // Declaring, deleting, binding and purging are also for `management` users, as in
            // RabbitMQ: the engine then checks their permissions in the vhost like any client's.
            let topologyWrite: Bool
            switch route {
            case .exchange, .queue, .queueContents, .queueMove, .bindingsBetween, .binding: topologyWrite = true
            default: topologyWrite = false
            }
            let allowed: Set<String> =
                !isWrite
                ? ["administrator", "monitoring", "management"]
                : topologyWrite ? ["administrator", "management"] : ["administrator"]
            guard !user.tags.isDisjoint(with: allowed) else {
                throw .forbidden(
                    "user '\(user.name)' needs one of the tags \(allowed.sorted().joined(separator: ", "))")
            }
        }
    }

    // MARK: Lookup

    /// A virtual host the user may see: one where they have permissions, or any for the
    /// `administrator` and `monitoring` tags (RabbitMQ's management visibility).
    func host(_ name: String, user: AuthenticatedUser) throws(HTTPAPIError) -> VirtualHost {
        guard let host = self.broker.virtualHost(name) else { throw .notFound("vhost '\(name)' not found") }
        guard self.maySee(name, user: user) else {
            throw .forbidden("access to vhost '\(name)' refused for user '\(user.name)'")
        }
        return host
    }

    func hosts(_ name: String?, user: AuthenticatedUser) throws(HTTPAPIError) -> [VirtualHost] {
        if let name { return [try self.host(name, user: user)] }
        return self.visibleHosts(user: user)
    }

    private func visibleHosts(user: AuthenticatedUser) -> [VirtualHost] {
        self.broker.virtualHosts.filter { self.maySee($0.name, user: user) }
    }

    private func maySee(_ vhost: String, user: AuthenticatedUser) -> Bool {
        !user.tags.isDisjoint(with: ["administrator", "monitoring"])
            || self.broker.accessControl.permissions(user: user.name, virtualHost: vhost) != nil
    }

    /// The caller's access context in a virtual host: what every engine operation of this request
    /// is checked against.
    func access(_ vhost: String, user: AuthenticatedUser) throws(HTTPAPIError) -> AccessContext {
        do {
            return try self.broker.accessContext(user: user.name, virtualHost: vhost)
        } catch {
            throw HTTPAPIError(error)
        }
    }

    private func vhost(
        _ name: String, request: HTTPRequest, user: AuthenticatedUser
    ) throws(HTTPAPIError) -> HTTPAPIResult {
        switch request.method {
        case .PUT:
            let existed = self.broker.virtualHost(name) != nil
            self.broker.addVirtualHost(name)
            if !existed {
                // RabbitMQ gives the user who creates a virtual host full permissions on it.
                do {
                    try self.broker.setPermissions(
                        user: user.name, virtualHost: name, configure: ".*", write: ".*", read: ".*")
                } catch {
                    throw HTTPAPIError(error)
                }
            }
            return .response(HTTPResponse(status: existed ? .noContent : .created))
        case .DELETE:
            _ = try self.host(name, user: user)
            do {
                try self.broker.deleteVirtualHost(name)
            } catch {
                throw HTTPAPIError(error)
            }
            return .response(.noContent())
        default:
            return .response(.json(ManagementRepresentation.vhost(try self.host(name, user: user))))
        }
    }

    private func connection(_ name: String, request: HTTPRequest) throws(HTTPAPIError) -> HTTPAPIResult {
        guard
            let connection = self.broker.connections.first(where: {
                ManagementRepresentation.connectionName($0.summary) == name
            })
        else {
            throw .notFound("no connection '\(name)'")
        }
        if request.method == .DELETE {
            connection.closeByOperator(reason: request.headers.first(name: "X-Reason") ?? "Closed via management API")
            return .response(.noContent())
        }
        return .response(.json(ManagementRepresentation.connection(connection.summary)))
    }

    /// One entry per channel of each connection (the registry knows channel counts, not channels).
    private func channels() -> [JSONValue] {
        self.broker.connections.flatMap { connection -> [JSONValue] in
            let summary = connection.summary
            let name = ManagementRepresentation.connectionName(summary)
            guard summary.channelCount > 0 else { return [] }
            return (1...summary.channelCount).map { number in
                .object([
                    ("name", .string("\(name) (\(number))")),
                    ("number", .int(number)),
                    ("user", summary.user.map(JSONValue.string) ?? .null),
                    ("vhost", summary.virtualHost.map(JSONValue.string) ?? .null),
                    ("connection_details", .object([("name", .string(name)), ("peer_host", .string(summary.peer))])),
                    ("state", .string("running")),
                ])
            }
        }
    }
}
