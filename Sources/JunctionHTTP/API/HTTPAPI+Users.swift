import JunctionCore
import NIOHTTP1

/// `/api/users`, `/api/permissions` and `/api/topic-permissions` in RabbitMQ's shapes. Passwords
/// are hashed on arrival (`PasswordHash`); only hashes are stored and returned.
extension HTTPAPI {
    static func user(_ account: UserAccount) -> JSONValue {
        .object([
            ("name", .string(account.name)),
            ("password_hash", .string(account.passwordHash)),
            ("hashing_algorithm", .string(PasswordHash.algorithm)),
            ("tags", .array(account.tags.map(JSONValue.string))),
            ("limits", .object([])),
        ])
    }

    func user(_ name: String, request: HTTPRequest) throws(HTTPAPIError) -> HTTPAPIResult {
        let control = self.broker.accessControl
        switch request.method {
        case .PUT:
            let existing = control.user(named: name)
            let account = try Self.account(name, from: try request.jsonBody(), existing: existing)
            do {
                try control.putUser(account)
            } catch {
                throw HTTPAPIError(error)
            }
            return .response(HTTPResponse(status: existing == nil ? .created : .noContent))
        case .DELETE:
            let deleted: Bool
            do {
                deleted = try control.deleteUser(named: name)
            } catch {
                throw HTTPAPIError(error)
            }
            guard deleted else { throw .notFound("no user '\(name)'") }
            // As in RabbitMQ, the deleted user's open connections go too (each in its protocol's words).
            for connection in self.broker.connections where connection.summary.user == name {
                connection.closeByOperator(reason: "user '\(name)' was deleted")
            }
            return .response(.noContent())
        default:
            guard let account = control.user(named: name) else { throw .notFound("no user '\(name)'") }
            return .response(.json(Self.user(account)))
        }
    }

    /// A user from a PUT body or a definitions entry: `password` (hashed here) or `password_hash`
    /// (with an optional `hashing_algorithm`, which must be SHA-256's), and `tags` as a list or
    /// RabbitMQ's older comma-separated string. Neither password nor hash: an existing user keeps
    /// its hash, a new one gets none (it can log in only with a client certificate).
    static func account(
        _ name: String, from body: JSONValue, existing: UserAccount?
    ) throws(HTTPAPIError)
        -> UserAccount
    {
        guard body.objectValue != nil else { throw .badRequest("the user must be a JSON object") }
        let hash: String
        if let password = body["password"], password != .null {
            guard let text = password.stringValue else { throw .badRequest("'password' must be a string") }
            hash = PasswordHash.make(password: text)
        } else if let given = body["password_hash"], given != .null {
            guard let text = given.stringValue else { throw .badRequest("'password_hash' must be a string") }
            if let algorithm = body["hashing_algorithm"]?.stringValue, algorithm != PasswordHash.algorithm {
                throw .badRequest("hashing_algorithm '\(algorithm)' is not supported (only \(PasswordHash.algorithm))")
            }
            guard PasswordHash.isWellFormed(text) else {
                throw .badRequest("password_hash is not a \(PasswordHash.algorithm) hash")
            }
            hash = text
        } else {
            hash = existing?.passwordHash ?? ""
        }
        let tags: [String]
        switch body["tags"] {
        case nil, .null?: tags = []
        case .string(let text)?:
            tags = text.split(separator: ",").map { String($0).trimmingSpaces() }.filter { !$0.isEmpty }
        case .array(let items)?:
            var names: [String] = []
            for item in items {
                guard let text = item.stringValue else { throw .badRequest("'tags' must hold strings") }
                names.append(text)
            }
            tags = names
        default: throw .badRequest("'tags' must be a list or a comma-separated string")
        }
        return UserAccount(name: name, passwordHash: hash, tags: tags)
    }

    static func permission(user: String, vhost: String, _ permissions: VirtualHostPermissions) -> JSONValue {
        .object([
            ("user", .string(user)), ("vhost", .string(vhost)),
            ("configure", .string(permissions.configure.source)), ("write", .string(permissions.write.source)),
            ("read", .string(permissions.read.source)),
        ])
    }

    func permissionList() -> [JSONValue] {
        self.broker.accessControl.allPermissions.map {
            Self.permission(user: $0.user, vhost: $0.virtualHost, $0.permissions)
        }
    }

    func permission(vhost: String, user: String, request: HTTPRequest) throws(HTTPAPIError) -> HTTPAPIResult {
        let control = self.broker.accessControl
        guard self.broker.virtualHost(vhost) != nil else { throw .notFound("vhost '\(vhost)' not found") }
        switch request.method {
        case .PUT:
            let body = try request.jsonBody()
            try self.setPermissions(user: user, vhost: vhost, from: body)
            return .response(HTTPResponse(status: .noContent))
        case .DELETE:
            let cleared: Bool
            do {
                cleared = try control.clearPermissions(user: user, virtualHost: vhost)
            } catch {
                throw HTTPAPIError(error)
            }
            guard cleared else { throw .notFound("no permissions for user '\(user)' in vhost '\(vhost)'") }
            return .response(.noContent())
        default:
            guard let permissions = control.permissions(user: user, virtualHost: vhost) else {
                throw .notFound("no permissions for user '\(user)' in vhost '\(vhost)'")
            }
            return .response(.json(Self.permission(user: user, vhost: vhost, permissions)))
        }
    }

    /// PUT body or definitions entry: `configure`, `write` and `read`, all three required.
    func setPermissions(user: String, vhost: String, from body: JSONValue) throws(HTTPAPIError) {
        guard let configure = body["configure"]?.stringValue, let write = body["write"]?.stringValue,
            let read = body["read"]?.stringValue
        else {
            throw .badRequest("permissions need 'configure', 'write' and 'read' (strings)")
        }
        guard self.broker.accessControl.user(named: user) != nil else { throw .badRequest("no user '\(user)'") }
        do {
            try self.broker.setPermissions(
                user: user, virtualHost: vhost, configure: configure, write: write, read: read)
        } catch {
            throw HTTPAPIError(error)
        }
    }

    static func topicPermission(user: String, vhost: String, _ permission: TopicPermission) -> JSONValue {
        .object([
            ("user", .string(user)), ("vhost", .string(vhost)), ("exchange", .string(permission.exchange)),
            ("write", .string(permission.write)), ("read", .string(permission.read)),
        ])
    }

    func topicPermissionList() -> [JSONValue] {
        self.broker.accessControl.allTopicPermissions.map {
            Self.topicPermission(user: $0.user, vhost: $0.virtualHost, $0.permission)
        }
    }

    /// GET: the user's topic permissions in the vhost (a list, one per exchange); PUT sets one
    /// exchange's (`{"exchange", "write", "read"}`); DELETE clears them all.
    func topicPermission(vhost: String, user: String, request: HTTPRequest) throws(HTTPAPIError) -> HTTPAPIResult {
        let control = self.broker.accessControl
        guard self.broker.virtualHost(vhost) != nil else { throw .notFound("vhost '\(vhost)' not found") }
        switch request.method {
        case .PUT:
            try self.setTopicPermission(user: user, vhost: vhost, from: try request.jsonBody())
            return .response(HTTPResponse(status: .noContent))
        case .DELETE:
            let cleared: Bool
            do {
                cleared = try control.clearTopicPermissions(user: user, virtualHost: vhost)
            } catch {
                throw HTTPAPIError(error)
            }
            guard cleared else { throw .notFound("no topic permissions for user '\(user)' in vhost '\(vhost)'") }
            return .response(.noContent())
        default:
            let permissions = control.topicPermissions(user: user, virtualHost: vhost)
            guard !permissions.isEmpty else {
                throw .notFound("no topic permissions for user '\(user)' in vhost '\(vhost)'")
            }
            return .response(
                .json(
                    .array(
                        permissions.values.sorted { $0.exchange < $1.exchange }.map {
                            Self.topicPermission(user: user, vhost: vhost, $0)
                        })))
        }
    }

    func setTopicPermission(user: String, vhost: String, from body: JSONValue) throws(HTTPAPIError) {
        guard let exchange = body["exchange"]?.stringValue, let write = body["write"]?.stringValue,
            let read = body["read"]?.stringValue
        else {
            throw .badRequest("topic permissions need 'exchange', 'write' and 'read' (strings)")
        }
        guard self.broker.accessControl.user(named: user) != nil else { throw .badRequest("no user '\(user)'") }
        do {
            try self.broker.setTopicPermission(
                user: user, virtualHost: vhost, try TopicPermission(exchange: exchange, write: write, read: read))
        } catch {
            throw HTTPAPIError(error)
        }
    }
}

extension String {
    fileprivate func trimmingSpaces() -> String {
        String(self.drop { $0 == " " }.reversed().drop { $0 == " " }.reversed())
    }
}
