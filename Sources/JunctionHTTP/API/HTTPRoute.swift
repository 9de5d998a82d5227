public import NIOHTTP1

/// Every endpoint the HTTP listener serves, resolved from method and path alone (pure, no engine).
public enum HTTPRoute: Sendable, Equatable {
    // Pages and metrics
    case dashboard
    case demo
    case metrics
    // Management API (RabbitMQ's shapes)
    case overview
    case whoami
    case vhosts
    case vhost(String)
    case users
    case user(String)
    /// `/api/users/{user}/access-keys` and `/api/users/{user}/access-keys/{id}`: SQS access keys.
    case accessKeys(user: String)
    case accessKey(user: String, id: String)
    case permissions
    /// `/api/permissions/{vhost}/{user}`.
    case permission(vhost: String, user: String)
    case topicPermissions
    /// `/api/topic-permissions/{vhost}/{user}`.
    case topicPermission(vhost: String, user: String)
    case exchanges(vhost: String?)
    case exchange(vhost: String, name: String)
    case publish(vhost: String, exchange: String)
    case queues(vhost: String?)
    case queue(vhost: String, name: String)
    case queueContents(vhost: String, name: String)
    case queueGet(vhost: String, name: String)
    /// `/api/queues/{vhost}/{name}/move`: shovel-like move to another queue or back to the origin.
    case queueMove(vhost: String, name: String)
    case queueBindings(vhost: String, name: String)
    case bindings(vhost: String?)
    /// `/api/bindings/{vhost}/e/{source}/{q|e}/{destination}`.
    case bindingsBetween(vhost: String, source: String, destinationKind: BindingKind, destination: String)
    /// `/api/bindings/{vhost}/e/{source}/{q|e}/{destination}/{props}`.
    case binding(
        vhost: String, source: String, destinationKind: BindingKind, destination: String, propertiesKey: String)
    case connections
    case connection(String)
    case channels
    case consumers(vhost: String?)
    /// `/api/consumer-groups[/{vhost}]`: stream consumer groups with offsets and lag.
    case consumerGroups(vhost: String?)
    /// `/api/consumer-groups/{vhost}/{group}/reset-offsets` (POST).
    case consumerGroupReset(vhost: String, group: String)
    case definitions
    /// `/api/policies[/{vhost}]` and `/api/operator-policies[/{vhost}]`.
    case policies(vhost: String?, operatorPolicies: Bool)
    /// `/api/policies/{vhost}/{name}` and `/api/operator-policies/{vhost}/{name}`.
    case policy(vhost: String, name: String, operatorPolicy: Bool)
    case alarmsHealthCheck
    /// `/api/health/live`: the process serves (no credentials, for orchestrators' probes).
    case healthLive
    /// `/api/health/ready`: storage recovered, listeners bound, no alarm (no credentials).
    case healthReady
    case alivenessTest(vhost: String)
    // Script API
    case rawPublish(vhost: String, exchange: String)
    case messages(vhost: String, queue: String)
    case receipt(String)
    /// `/api/v1/streams/{vhost}/{stream}/messages`: read a stream by offset, timestamp or group.
    case streamMessages(vhost: String, stream: String)
    /// `/api/v1/streams/{vhost}/{stream}/events`: follow a stream live (Server-Sent Events).
    case streamEvents(vhost: String, stream: String)
    /// `/api/v1/exchanges/{vhost}/{exchange}/events`: what a binding would receive, live.
    case exchangeEvents(vhost: String, exchange: String)

    public enum BindingKind: String, Sendable, Equatable {
        case queue = "q"
        case exchange = "e"
    }

    /// Methods each route answers; anything else is 405.
    public var allowedMethods: [HTTPMethod] {
        switch self {
        case .vhost, .exchange, .queue, .user, .permission, .topicPermission, .policy: [.GET, .PUT, .DELETE]
        case .publish, .queueGet, .queueMove, .rawPublish, .consumerGroupReset: [.POST]
        case .queueContents: [.DELETE]
        case .bindingsBetween: [.GET, .POST]
        case .binding, .connection: [.GET, .DELETE]
        case .accessKeys: [.GET, .PUT]
        case .accessKey: [.DELETE]
        case .definitions: [.GET, .POST]
        case .receipt: [.DELETE, .POST]
        case .dashboard, .demo, .metrics, .overview, .whoami, .vhosts, .users, .permissions, .topicPermissions,
            .exchanges,
            .queues,
            .queueBindings, .bindings, .connections, .channels, .consumers, .consumerGroups, .alarmsHealthCheck,
            .healthLive,
            .healthReady,
            .alivenessTest,
            .messages,
            .streamMessages, .streamEvents, .exchangeEvents, .policies:
            [.GET]
        }
    }

    /// Resolves a decoded path; nil when no endpoint has that shape.
    public init?(path: [String]) {
        guard let route = Self.resolve(path[...]) else { return nil }
        self = route
    }

    private static func resolve(_ path: ArraySlice<String>) -> HTTPRoute? {
        let p = Array(path)
        switch p.count {
        case 0: return .dashboard
        case 1:
            switch p[0] {
            case "demo": return .demo
            case "metrics": return .metrics
            case "api": return nil
            default: return nil
            }
        default: break
        }
        guard p[0] == "api" else { return nil }
        if p.count >= 2 && p[1] == "v1" { return Self.resolveScriptAPI(Array(p.dropFirst(2))) }
        let rest = Array(p.dropFirst())
        switch rest.first {
        case "overview" where rest.count == 1: return .overview
        case "whoami" where rest.count == 1: return .whoami
        case "vhosts":
            if rest.count == 1 { return .vhosts }
            if rest.count == 2 { return .vhost(rest[1]) }
        case "users":
            if rest.count == 1 { return .users }
            if rest.count == 2 { return .user(rest[1]) }
            if rest.count == 3 && rest[2] == "access-keys" { return .accessKeys(user: rest[1]) }
            if rest.count == 4 && rest[2] == "access-keys" { return .accessKey(user: rest[1], id: rest[3]) }
        case "permissions":
            if rest.count == 1 { return .permissions }
            if rest.count == 3 { return .permission(vhost: rest[1], user: rest[2]) }
        case "topic-permissions":
            if rest.count == 1 { return .topicPermissions }
            if rest.count == 3 { return .topicPermission(vhost: rest[1], user: rest[2]) }
        case "exchanges":
            switch rest.count {
            case 1: return .exchanges(vhost: nil)
            case 2: return .exchanges(vhost: rest[1])
            case 3: return .exchange(vhost: rest[1], name: Self.exchangeName(rest[2]))
            case 4 where rest[3] == "publish": return .publish(vhost: rest[1], exchange: Self.exchangeName(rest[2]))
            default: return nil
            }
        case "queues":
            switch rest.count {
            case 1: return .queues(vhost: nil)
            case 2: return .queues(vhost: rest[1])
            case 3: return .queue(vhost: rest[1], name: rest[2])
            case 4:
                switch rest[3] {
                case "contents": return .queueContents(vhost: rest[1], name: rest[2])
                case "get": return .queueGet(vhost: rest[1], name: rest[2])
                case "move": return .queueMove(vhost: rest[1], name: rest[2])
                case "bindings": return .queueBindings(vhost: rest[1], name: rest[2])
                default: return nil
                }
            default: return nil
            }
        case "bindings":
            switch rest.count {
            case 1: return .bindings(vhost: nil)
            case 2: return .bindings(vhost: rest[1])
            case 6, 7:
                guard rest[2] == "e", let kind = BindingKind(rawValue: rest[4]) else { return nil }
                let source = Self.exchangeName(rest[3])
                if rest.count == 6 {
                    return .bindingsBetween(vhost: rest[1], source: source, destinationKind: kind, destination: rest[5])
                }
                return .binding(
                    vhost: rest[1], source: source, destinationKind: kind, destination: rest[5], propertiesKey: rest[6])
            default: return nil
            }
        case "connections":
            if rest.count == 1 { return .connections }
            if rest.count == 2 { return .connection(rest[1]) }
        case "channels" where rest.count == 1: return .channels
        case "consumers":
            if rest.count == 1 { return .consumers(vhost: nil) }
            if rest.count == 2 { return .consumers(vhost: rest[1]) }
        case "consumer-groups":
            if rest.count == 1 { return .consumerGroups(vhost: nil) }
            if rest.count == 2 { return .consumerGroups(vhost: rest[1]) }
            if rest.count == 4 && rest[3] == "reset-offsets" {
                return .consumerGroupReset(vhost: rest[1], group: rest[2])
            }
        case "definitions" where rest.count == 1: return .definitions
        case "health" where rest.count == 2 && rest[1] == "live": return .healthLive
        case "health" where rest.count == 2 && rest[1] == "ready": return .healthReady
        case "policies", "operator-policies":
            let isOperator = rest[0] == "operator-policies"
            switch rest.count {
            case 1: return .policies(vhost: nil, operatorPolicies: isOperator)
            case 2: return .policies(vhost: rest[1], operatorPolicies: isOperator)
            case 3: return .policy(vhost: rest[1], name: rest[2], operatorPolicy: isOperator)
            default: return nil
            }
        case "health" where rest.count == 3 && rest[1] == "checks" && rest[2] == "alarms": return .alarmsHealthCheck
        case "aliveness-test" where rest.count == 2: return .alivenessTest(vhost: rest[1])
        default: return nil
        }
        return nil
    }

    private static func resolveScriptAPI(_ rest: [String]) -> HTTPRoute? {
        if rest.count == 4 && rest[0] == "exchanges" && rest[3] == "messages" {
            return .rawPublish(vhost: rest[1], exchange: Self.exchangeName(rest[2]))
        }
        if rest.count == 4 && rest[0] == "exchanges" && rest[3] == "events" {
            return .exchangeEvents(vhost: rest[1], exchange: Self.exchangeName(rest[2]))
        }
        if rest.count == 4 && rest[0] == "streams" && rest[3] == "events" {
            return .streamEvents(vhost: rest[1], stream: rest[2])
        }
        if rest.count == 4 && rest[0] == "queues" && rest[3] == "messages" {
            return .messages(vhost: rest[1], queue: rest[2])
        }
        if rest.count == 4 && rest[0] == "streams" && rest[3] == "messages" {
            return .streamMessages(vhost: rest[1], stream: rest[2])
        }
        if rest.count == 2 && rest[0] == "receipts" {
            return .receipt(rest[1])
        }
        return nil
    }

    /// RabbitMQ's management API names the default exchange `amq.default`.
    static func exchangeName(_ segment: String) -> String {
        segment == "amq.default" ? "" : segment
    }
}
