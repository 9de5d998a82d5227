import JunctionModel

/// A headers-exchange binding's match rule, parsed once at bind time from its arguments.
struct HeadersBinding {
    enum Mode {
        case all
        case any
    }

    var mode: Mode
    /// The arguments compared against message headers: `x-match` is dropped, and so is every other
    /// `x-` key unless the mode is `all-with-x` / `any-with-x`.
    var pairs: [(key: String, value: FieldValue)]

    init(arguments: FieldTable) throws(BrokerError) {
        var includeX = false
        switch arguments["x-match"] {
        case nil:
            self.mode = .all
        case .some(let value):
            switch value.stringValue {
            case "all": self.mode = .all
            case "any": self.mode = .any
            case "all-with-x":
                self.mode = .all
                includeX = true
            case "any-with-x":
                self.mode = .any
                includeX = true
            default:
                throw .preconditionFailed("invalid x-match field value \(value)")
            }
        }
        self.pairs = arguments.entries.filter { entry in
            entry.key != "x-match" && (includeX || !entry.key.hasPrefix("x-"))
        }
    }

    /// A `void` binding value matches on presence alone; integers compare by value whatever their width.
    func matches(_ headers: FieldTable?) -> Bool {
        let headers = headers ?? FieldTable()
        switch self.mode {
        case .all:
            return self.pairs.allSatisfy { pair in Self.matches(pair, headers) }
        case .any:
            return self.pairs.contains { pair in Self.matches(pair, headers) }
        }
    }

    private static func matches(_ pair: (key: String, value: FieldValue), _ headers: FieldTable) -> Bool {
        guard let value = headers[pair.key] else { return false }
        if case .void = pair.value { return true }
        return pair.value.isEquivalent(to: value)
    }
}

extension FieldValue {
    /// Equality that ignores the width of integer types (an AMQP client may send 5 as int8 or int64).
    func isEquivalent(to other: FieldValue) -> Bool {
        if let lhs = self.integerValue, let rhs = other.integerValue {
            if case .timestamp = self { return self == other }
            if case .timestamp = other { return self == other }
            return lhs == rhs
        }
        return self == other
    }
}
