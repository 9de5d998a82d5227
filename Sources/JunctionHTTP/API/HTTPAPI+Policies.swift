import JunctionCore
import NIOHTTP1

/// `/api/policies` and `/api/operator-policies` in RabbitMQ's shape:
/// `{"vhost", "name", "pattern", "apply-to", "definition", "priority"}`.
extension HTTPAPI {
    static func policy(_ policy: Policy, vhost: String) -> JSONValue {
        .object([
            ("vhost", .string(vhost)),
            ("name", .string(policy.name)),
            ("pattern", .string(policy.pattern)),
            ("apply-to", .string(policy.applyTo.rawValue)),
            ("definition", Self.definition(policy.definition)),
            ("priority", .int(policy.priority)),
        ])
    }

    static func definition(_ definition: PolicyDefinition) -> JSONValue {
        .object(
            definition.entries.map { entry in
                switch entry.value {
                case .integer(let number): (entry.key, .int(number))
                case .string(let text): (entry.key, .string(text))
                }
            })
    }

    func policy(
        vhost: String, name: String, kind: Policy.Kind, request: HTTPRequest, user: AuthenticatedUser
    ) throws(HTTPAPIError) -> HTTPAPIResult {
        let host = try self.host(vhost, user: user)
        switch request.method {
        case .PUT:
            let replaced = try self.putPolicy(name, kind: kind, in: host, body: try request.jsonBody())
            return .response(HTTPResponse(status: replaced ? .noContent : .created))
        case .DELETE:
            do {
                try host.clearPolicy(named: name, kind: kind)
            } catch {
                throw HTTPAPIError(error)
            }
            return .response(.noContent())
        default:
            guard let policy = host.policy(named: name, kind: kind) else {
                throw .notFound("no policy '\(name)' in vhost '\(vhost)'")
            }
            return .response(.json(Self.policy(policy, vhost: vhost)))
        }
    }

    /// Validates and sets a policy from its JSON body (also used by a definitions import).
    /// Returns whether it replaced one.
    @discardableResult
    func putPolicy(
        _ name: String, kind: Policy.Kind, in host: VirtualHost, body: JSONValue
    ) throws(HTTPAPIError)
        -> Bool
    {
        guard body.objectValue != nil else { throw .badRequest("body must be a JSON object") }
        guard let pattern = body["pattern"]?.stringValue else { throw .badRequest("'pattern' is required") }
        guard let definitionBody = body["definition"], let members = definitionBody.objectValue else {
            throw .badRequest("'definition' must be a JSON object")
        }
        let applyTo: Policy.ApplyTo
        switch body["apply-to"] {
        case nil, .null?: applyTo = .all
        case .string(let text)?:
            guard let value = Policy.ApplyTo(rawValue: text) else {
                let known = Policy.ApplyTo.allCases.map(\.rawValue).joined(separator: ", ")
                throw .badRequest("'apply-to' must be one of \(known), not '\(text)'")
            }
            applyTo = value
        default: throw .badRequest("'apply-to' must be a string")
        }
        let priority: Int64
        switch body["priority"] {
        case nil, .null?: priority = 0
        case let value?:
            guard let number = value.intValue else { throw .badRequest("'priority' must be an integer") }
            priority = number
        }
        do {
            let definition = try PolicyDefinition(
                members.map { (key: $0.0, value: $0.1.fieldValue) }, operatorPolicy: kind == .operatorPolicy)
            let policy = try Policy(
                kind: kind, name: name, pattern: pattern, applyTo: applyTo, priority: Int(clamping: priority),
                definition: definition)
            return try host.setPolicy(policy)
        } catch {
            throw HTTPAPIError(error)
        }
    }
}
