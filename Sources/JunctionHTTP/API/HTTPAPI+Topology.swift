import JunctionCore
import JunctionModel
import NIOHTTP1

/// Exchanges, queues and bindings: `/api/exchanges`, `/api/queues`, `/api/bindings`.
extension HTTPAPI {
    func exchanges(in vhost: String?, user: AuthenticatedUser) throws(HTTPAPIError) -> [JSONValue] {
        try self.hosts(vhost, user: user).flatMap { host in
            host.allExchanges.map {
                ManagementRepresentation.exchange(
                    $0, vhost: host.name, rates: self.broker.messageRates.exchangeRates(vhost: host.name, name: $0.name)
                )
            }
        }
    }

    func queues(in vhost: String?, user: AuthenticatedUser) throws(HTTPAPIError) -> [JSONValue] {
        try self.hosts(vhost, user: user).flatMap { host in
            host.queues.map {
                ManagementRepresentation.queue(
                    $0, vhost: host.name, stream: host.stream(named: $0.name),
                    partitioned: host.partitionedStream(named: $0.name),
                    rates: self.broker.messageRates.queueRates(vhost: host.name, name: $0.name))
            }
        }
    }

    func exchange(
        vhost: String, name: String, request: HTTPRequest, user: AuthenticatedUser
    ) throws(HTTPAPIError) -> HTTPAPIResult {
        let host = try self.host(vhost, user: user)
        let access = try self.access(vhost, user: user)
        switch request.method {
        case .PUT:
            let body = try request.jsonBody()
            let existed = host.exchange(named: name) != nil
            try self.declareExchange(name, in: host, body: body, access: access)
            return .response(HTTPResponse(status: existed ? .noContent : .created))
        case .DELETE:
            guard host.exchange(named: name) != nil else {
                throw .notFound("no exchange '\(name)' in vhost '\(vhost)'")
            }
            do {
                try host.deleteExchange(name, ifUnused: request.path.query["if-unused"] == "true", access: access)
            } catch {
                throw HTTPAPIError(error)
            }
            return .response(.noContent())
        default:
            guard let exchange = host.exchange(named: name) else {
                throw .notFound("no exchange '\(name)' in vhost '\(vhost)'")
            }
            let rates = self.broker.messageRates.exchangeRates(vhost: vhost, name: name)
            return .response(.json(ManagementRepresentation.exchange(exchange, vhost: vhost, rates: rates)))
        }
    }

    func declareExchange(
        _ name: String, in host: VirtualHost, body: JSONValue, access: AccessContext
    ) throws(HTTPAPIError) {
        guard body.objectValue != nil else { throw .badRequest("body must be a JSON object") }
        guard let type = body["type"]?.stringValue else { throw .badRequest("exchange 'type' is required") }
        do {
            try host.declareExchange(
                name,
                type: type,
                durable: try Self.flag(body, "durable", default: true),
                autoDelete: try Self.flag(body, "auto_delete", default: false),
                internal: try Self.flag(body, "internal", default: false),
                arguments: try Self.arguments(body),
                passive: false, access: access
            )
        } catch let error as BrokerError {
            throw HTTPAPIError(error)
        } catch let error as HTTPAPIError {
            throw error
        } catch {
            throw .badRequest("\(error)")
        }
    }

    func queue(
        vhost: String, name: String, request: HTTPRequest, user: AuthenticatedUser
    ) throws(HTTPAPIError) -> HTTPAPIResult {
        let host = try self.host(vhost, user: user)
        let access = try self.access(vhost, user: user)
        switch request.method {
        case .PUT:
            let body = try request.jsonBody()
            let existed = host.queue(named: name) != nil
            try self.declareQueue(name, in: host, body: body, access: access)
            return .response(HTTPResponse(status: existed ? .noContent : .created))
        case .DELETE:
            guard host.queue(named: name) != nil else { throw .notFound("no queue '\(name)' in vhost '\(vhost)'") }
            do {
                _ = try host.deleteQueue(
                    name,
                    ifUnused: request.path.query["if-unused"] == "true",
                    ifEmpty: request.path.query["if-empty"] == "true",
                    owner: self.connectionID, access: access
                )
            } catch {
                throw HTTPAPIError(error)
            }
            return .response(.noContent())
        default:
            guard let queue = host.queue(named: name) else { throw .notFound("no queue '\(name)' in vhost '\(vhost)'") }
            return .response(
                .json(
                    ManagementRepresentation.queue(
                        queue, vhost: vhost, stream: host.stream(named: name),
                        partitioned: host.partitionedStream(named: name),
                        rates: self.broker.messageRates.queueRates(vhost: vhost, name: name))))
        }
    }

    func declareQueue(
        _ name: String, in host: VirtualHost, body: JSONValue, access: AccessContext
    ) throws(HTTPAPIError) {
        guard body.objectValue != nil else { throw .badRequest("body must be a JSON object") }
        guard !name.isEmpty else { throw .badRequest("queue name must not be empty") }
        if try Self.flag(body, "exclusive", default: false) {
            throw .badRequest("exclusive queues cannot be declared over HTTP (they would die with the request)")
        }
        do {
            _ = try host.declareQueue(
                name,
                durable: try Self.flag(body, "durable", default: true),
                exclusive: false,
                autoDelete: try Self.flag(body, "auto_delete", default: false),
                arguments: try Self.arguments(body),
                passive: false,
                owner: self.connectionID, access: access
            )
        } catch let error as BrokerError {
            throw HTTPAPIError(error)
        } catch let error as HTTPAPIError {
            throw error
        } catch {
            throw .badRequest("\(error)")
        }
    }

    func bindingsBetween(
        vhost: String,
        source: String,
        kind: HTTPRoute.BindingKind,
        destination: String,
        request: HTTPRequest,
        user: AuthenticatedUser
    ) throws(HTTPAPIError) -> HTTPAPIResult {
        let host = try self.host(vhost, user: user)
        let access = try self.access(vhost, user: user)
        if request.method == .POST {
            let body = try request.jsonBody()
            guard body.objectValue != nil else { throw .badRequest("body must be a JSON object") }
            let routingKey = body["routing_key"]?.stringValue ?? ""
            let arguments = try Self.arguments(body)
            try self.bind(
                host: host, source: source, kind: kind, destination: destination, routingKey: routingKey,
                arguments: arguments, access: access)
            let info = BindingInfo(
                source: source,
                destination: destination,
                destinationKind: kind == .queue ? .queue : .exchange,
                routingKey: routingKey,
                arguments: arguments
            )
            var response = HTTPResponse(status: .created)
            response.headers.add(name: "Location", value: ManagementRepresentation.propertiesKey(info))
            return .response(response)
        }
        let matching = try self.existingBindings(host: host, source: source, kind: kind, destination: destination)
        return .response(.json(.array(matching.map { ManagementRepresentation.binding($0, vhost: vhost) })))
    }

    func binding(
        vhost: String,
        source: String,
        kind: HTTPRoute.BindingKind,
        destination: String,
        key: String,
        request: HTTPRequest,
        user: AuthenticatedUser
    ) throws(HTTPAPIError) -> HTTPAPIResult {
        let host = try self.host(vhost, user: user)
        let access = try self.access(vhost, user: user)
        let matching = try self.existingBindings(host: host, source: source, kind: kind, destination: destination)
        guard let binding = matching.first(where: { ManagementRepresentation.propertiesKey($0) == key }) else {
            throw .notFound("no binding '\(key)' from '\(source)' to '\(destination)'")
        }
        guard request.method == .DELETE else {
            return .response(.json(ManagementRepresentation.binding(binding, vhost: vhost)))
        }
        do {
            switch kind {
            case .queue:
                try host.unbindQueue(
                    destination, exchange: source, routingKey: binding.routingKey, arguments: binding.arguments,
                    owner: self.connectionID, access: access)
            case .exchange:
                try host.unbindExchange(
                    destination: destination, source: source, routingKey: binding.routingKey,
                    arguments: binding.arguments, access: access)
            }
        } catch {
            throw HTTPAPIError(error)
        }
        return .response(.noContent())
    }

    func bind(
        host: VirtualHost,
        source: String,
        kind: HTTPRoute.BindingKind,
        destination: String,
        routingKey: String,
        arguments: FieldTable,
        access: AccessContext
    ) throws(HTTPAPIError) {
        do {
            switch kind {
            case .queue:
                try host.bindQueue(
                    destination, exchange: source, routingKey: routingKey, arguments: arguments,
                    owner: self.connectionID, access: access)
            case .exchange:
                try host.bindExchange(
                    destination: destination, source: source, routingKey: routingKey, arguments: arguments,
                    access: access)
            }
        } catch {
            throw HTTPAPIError(error)
        }
    }

    private func existingBindings(
        host: VirtualHost, source: String, kind: HTTPRoute.BindingKind, destination: String
    ) throws(HTTPAPIError) -> [BindingInfo] {
        guard host.exchange(named: source) != nil else {
            throw .notFound("no exchange '\(source)' in vhost '\(host.name)'")
        }
        switch kind {
        case .queue:
            guard host.queue(named: destination) != nil else {
                throw .notFound("no queue '\(destination)' in vhost '\(host.name)'")
            }
        case .exchange:
            guard host.exchange(named: destination) != nil else {
                throw .notFound("no exchange '\(destination)' in vhost '\(host.name)'")
            }
        }
        let destinationKind: BindingInfo.DestinationKind = kind == .queue ? .queue : .exchange
        return host.bindings.filter {
            $0.source == source && $0.destination == destination && $0.destinationKind == destinationKind
        }
    }

    // MARK: Body fields

    static func flag(_ body: JSONValue, _ key: String, default value: Bool) throws(HTTPAPIError) -> Bool {
        guard let field = body[key], field != .null else { return value }
        guard let flag = field.boolValue else { throw .badRequest("'\(key)' must be true or false") }
        return flag
    }

    static func arguments(_ body: JSONValue) throws(HTTPAPIError) -> FieldTable {
        guard let field = body["arguments"], field != .null else { return [:] }
        guard let table = field.fieldTable else { throw .badRequest("'arguments' must be an object") }
        return table
    }
}
