import Foundation
public import JunctionModel

/// What a policy sets, under RabbitMQ's definition keys, validated when the policy is set. A key
/// Junction does not act on is refused: a policy never promises something that does not happen.
public struct PolicyDefinition: Equatable, Sendable {
    public enum Value: Equatable, Sendable {
        case integer(Int64)
        case string(String)
    }

    /// The keys Junction applies. Operator policies may only cap the numeric limits.
    public enum Key: String, CaseIterable, Sendable {
        case messageTTL = "message-ttl"
        case expires
        case maxLength = "max-length"
        case maxLengthBytes = "max-length-bytes"
        case overflow
        case deadLetterExchange = "dead-letter-exchange"
        case deadLetterRoutingKey = "dead-letter-routing-key"
        case deliveryLimit = "delivery-limit"
        /// Streams only: RabbitMQ's age syntax (`7D`, `24h`).
        case maxAge = "max-age"

        /// The queue argument with the same meaning (`x-` + the key).
        var argument: String { "x-\(self.rawValue)" }

        var isLimit: Bool {
            switch self {
            case .messageTTL, .expires, .maxLength, .maxLengthBytes, .deliveryLimit: true
            case .overflow, .deadLetterExchange, .deadLetterRoutingKey, .maxAge: false
            }
        }

        /// The smallest value accepted for a limit (an expiry of 0 would delete the queue at once).
        var minimum: Int64 { self == .expires ? 1 : 0 }
    }

    public private(set) var values: [Key: Value] = [:]

    public init() {}

    /// - Parameter operatorPolicy: only limits are allowed (RabbitMQ's operator policy keys).
    /// - Throws: `.preconditionFailed` naming an unknown key or an invalid value.
    public init(_ entries: [(key: String, value: FieldValue)], operatorPolicy: Bool) throws(BrokerError) {
        for (name, value) in entries {
            guard let key = Key(rawValue: name) else {
                let known = Key.allCases.filter { !operatorPolicy || $0.isLimit }.map(\.rawValue)
                throw .preconditionFailed(
                    "'\(name)' is not a recognised policy setting (supported: \(known.joined(separator: ", ")))")
            }
            if operatorPolicy && !key.isLimit {
                throw .preconditionFailed("'\(name)' is not allowed in an operator policy")
            }
            self.values[key] = try Self.validated(key, value)
        }
    }

    private static func validated(_ key: Key, _ value: FieldValue) throws(BrokerError) -> Value {
        if key.isLimit {
            guard let number = value.integerValue, number >= key.minimum else {
                throw .preconditionFailed("invalid value for policy setting '\(key.rawValue)': \(value)")
            }
            return .integer(number)
        }
        guard let text = value.stringValue else {
            throw .preconditionFailed("invalid value for policy setting '\(key.rawValue)': \(value)")
        }
        switch key {
        case .overflow where QueueArguments.Overflow(rawValue: text) == nil,
            .maxAge where StreamArguments.age(text) == nil:
            throw .preconditionFailed("invalid value for policy setting '\(key.rawValue)': \(text)")
        default:
            return .string(text)
        }
    }

    public var isEmpty: Bool { self.values.isEmpty }

    /// Sorted by key, for JSON.
    public var entries: [(key: String, value: Value)] {
        self.values.map { (key: $0.key.rawValue, value: $0.value) }.sorted { $0.key < $1.key }
    }

    func integer(_ key: Key) -> Int64? {
        if case .integer(let value)? = self.values[key] { return value }
        return nil
    }

    func string(_ key: Key) -> String? {
        if case .string(let value)? = self.values[key] { return value }
        return nil
    }

    /// This definition with `operatorPolicy`'s limits applied: the lower value wins (RabbitMQ's
    /// `effective_policy_definition`).
    func capped(by operatorPolicy: PolicyDefinition?) -> PolicyDefinition {
        guard let operatorPolicy else { return self }
        var merged = self
        for (key, value) in operatorPolicy.values {
            guard case .integer(let cap) = value else { continue }
            merged.values[key] = .integer(self.integer(key).map { min($0, cap) } ?? cap)
        }
        return merged
    }

    // MARK: Stored form (a JSON object, as RabbitMQ keeps it)

    public var jsonText: String {
        var object: [String: Any] = [:]
        for (key, value) in self.values {
            switch value {
            case .integer(let number): object[key.rawValue] = number
            case .string(let text): object[key.rawValue] = text
            }
        }
        let data = (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])) ?? Data("{}".utf8)
        return String(decoding: data, as: UTF8.self)
    }

    /// Reads the stored form back (start-up), validated like a new policy.
    public init(jsonText: String, operatorPolicy: Bool) throws(BrokerError) {
        guard let data = jsonText.data(using: .utf8),
            let object = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any]
        else {
            throw .preconditionFailed("policy definition is not a JSON object: \(jsonText)")
        }
        var entries: [(key: String, value: FieldValue)] = []
        for (key, value) in object {
            if let text = value as? String {
                entries.append((key, .string(text)))
            } else if let number = value as? Int {
                entries.append((key, .int64(Int64(number))))
            } else {
                throw .preconditionFailed("invalid value for policy setting '\(key)' in \(jsonText)")
            }
        }
        try self.init(entries, operatorPolicy: operatorPolicy)
    }
}
