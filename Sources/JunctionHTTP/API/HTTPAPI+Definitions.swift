import JunctionCore

/// `/api/definitions`: export and import of users (hashes only), vhosts, permissions, topic
/// permissions, policies, exchanges, queues and bindings in RabbitMQ's format.
extension HTTPAPI {
    func exportDefinitions() -> JSONValue {
        let hosts = self.broker.virtualHosts
        var exchanges: [JSONValue] = []
        var queues: [JSONValue] = []
        var bindings: [JSONValue] = []
        var policies: [JSONValue] = []
        for host in hosts {
            policies += host.policies(.user).map { Self.policy($0, vhost: host.name) }
            for exchange in host.allExchanges where !exchange.name.isEmpty && !exchange.name.hasPrefix("amq.") {
                exchanges.append(ManagementRepresentation.exchange(exchange, vhost: host.name))
            }
            for queue in host.queues where queue.exclusiveOwner == nil {
                queues.append(
                    .object([
                        ("name", .string(queue.name)), ("vhost", .string(host.name)), ("durable", .bool(queue.durable)),
                        ("auto_delete", .bool(queue.autoDelete)), ("arguments", JSONValue(queue.arguments)),
                    ])
                )
            }
            for binding in host.bindings where !binding.source.isEmpty {
                if binding.destinationKind == .queue, host.queue(named: binding.destination)?.exclusiveOwner != nil {
                    continue
                }
                bindings.append(
                    .object([
                        ("source", .string(binding.source)), ("vhost", .string(host.name)),
                        ("destination", .string(binding.destination)),
                        ("destination_type", .string(binding.destinationKind.rawValue)),
                        ("routing_key", .string(binding.routingKey)),
                        ("arguments", JSONValue(binding.arguments)),
                    ])
                )
            }
        }
        return .object([
            ("rabbit_version", .string("3.12.0")),
            ("rabbitmq_version", .string("3.12.0")),
            ("product_name", .string("Junction")),
            ("product_version", .string(JunctionVersion.string)),
            ("users", .array(self.broker.accessControl.allUsers.map(Self.user))),
            ("vhosts", .array(hosts.map { .object([("name", .string($0.name))]) })),
            ("permissions", .array(self.permissionList())),
            ("topic_permissions", .array(self.topicPermissionList())),
            ("parameters", .array([])),
            ("global_parameters", .array([])),
            ("policies", .array(policies)),
            ("queues", .array(queues)),
            ("exchanges", .array(exchanges)),
            ("bindings", .array(bindings)),
        ])
    }

    /// Creates what the document names, in dependency order (users, vhosts, permissions, topic
    /// permissions, policies, exchanges, queues, bindings). Users come with RabbitMQ's `password_hash`.
    func importDefinitions(_ document: JSONValue) throws(HTTPAPIError) {
        guard document.objectValue != nil else { throw .badRequest("definitions must be a JSON object") }
        func list(_ key: String) throws(HTTPAPIError) -> [JSONValue] {
            guard let value = document[key], value != .null else { return [] }
            guard let items = value.arrayValue else { throw .badRequest("'\(key)' must be an array") }
            return items
        }
        for user in try list("users") {
            guard let name = user["name"]?.stringValue else { throw .badRequest("user without a name") }
            let account = try Self.account(name, from: user, existing: self.broker.accessControl.user(named: name))
            do {
                try self.broker.accessControl.putUser(account)
            } catch {
                throw HTTPAPIError(error)
            }
        }
        for vhost in try list("vhosts") {
            guard let name = vhost["name"]?.stringValue else { throw .badRequest("vhost without a name") }
            self.broker.addVirtualHost(name)
        }
        for permission in try list("permissions") {
            guard let user = permission["user"]?.stringValue, let vhost = permission["vhost"]?.stringValue else {
                throw .badRequest("permission needs user and vhost")
            }
            guard self.broker.virtualHost(vhost) != nil else { throw .notFound("vhost '\(vhost)' not found") }
            try self.setPermissions(user: user, vhost: vhost, from: permission)
        }
        for permission in try list("topic_permissions") {
            guard let user = permission["user"]?.stringValue, let vhost = permission["vhost"]?.stringValue else {
                throw .badRequest("topic permission needs user and vhost")
            }
            guard self.broker.virtualHost(vhost) != nil else { throw .notFound("vhost '\(vhost)' not found") }
            try self.setTopicPermission(user: user, vhost: vhost, from: permission)
        }
        for policy in try list("policies") {
            let (host, name) = try self.definitionTarget(policy, "policy")
            try self.putPolicy(name, kind: .user, in: host, body: policy)
        }
        for exchange in try list("exchanges") {
            let (host, name) = try self.definitionTarget(exchange, "exchange")
            try self.declareExchange(name, in: host, body: exchange, access: .trusted(virtualHost: host.name))
        }
        for queue in try list("queues") {
            let (host, name) = try self.definitionTarget(queue, "queue")
            try self.declareQueue(name, in: host, body: queue, access: .trusted(virtualHost: host.name))
        }
        for binding in try list("bindings") {
            guard let vhost = binding["vhost"]?.stringValue, let host = self.broker.virtualHost(vhost),
                let source = binding["source"]?.stringValue, let destination = binding["destination"]?.stringValue
            else { throw .badRequest("binding needs vhost, source and destination") }
            let kind: HTTPRoute.BindingKind =
                binding["destination_type"]?.stringValue == "exchange" ? .exchange : .queue
            try self.bind(
                host: host,
                source: source,
                kind: kind,
                destination: destination,
                routingKey: binding["routing_key"]?.stringValue ?? "",
                arguments: try Self.arguments(binding),
                access: .trusted(virtualHost: host.name)
            )
        }
    }

    private func definitionTarget(_ item: JSONValue, _ what: String) throws(HTTPAPIError) -> (VirtualHost, String) {
        guard let name = item["name"]?.stringValue, let vhost = item["vhost"]?.stringValue else {
            throw .badRequest("\(what) needs a name and a vhost")
        }
        guard let host = self.broker.virtualHost(vhost) else { throw .notFound("vhost '\(vhost)' not found") }
        return (host, name)
    }
}
