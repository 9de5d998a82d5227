import NIOCore
import NIOHTTP1

/// One SQS call in one shape, whichever wire protocol carried it: AWS JSON 1.0 (`X-Amz-Target:
/// AmazonSQS.<Action>`, current SDKs) or the query protocol (form-encoded `Action=…`, older SDKs and
/// the aws CLI v1). Query parameters are folded into the JSON protocol's structure (`Attribute.1.Name`
/// → `Attributes`, `SendMessageBatchRequestEntry.2.Id` → `Entries[1].Id`), so actions read one form.
struct SQSRequest {
    enum WireProtocol: Equatable {
        case json
        case query
    }

    var action: String
    /// The call's parameters; a SendMessage's or SendMessageBatch's messages are in `sends` instead.
    var parameters: JSONValue
    /// SendMessage's message (one) or SendMessageBatch's entries, bodies as bytes; empty for other actions.
    var sends: [SQSSendEntry] = []
    var wireProtocol: WireProtocol

    static func decode(
        method: HTTPMethod, target: String, headers: HTTPHeaders, body: ByteBuffer
    ) throws(SQSError)
        -> SQSRequest
    {
        if let amazonTarget = headers.first(name: "X-Amz-Target") {
            guard amazonTarget.hasPrefix("AmazonSQS.") else {
                throw SQSError("UnknownOperationException", "unknown target \(amazonTarget)")
            }
            let action = String(amazonTarget.dropFirst("AmazonSQS.".count))
            var parameters = JSONValue.object([])
            var sends: [SQSSendEntry] = []
            if body.readableBytes > 0 {
                do {
                    try body.withUnsafeReadableBytes { bytes throws(JSONParser.ParseError) in
                        if SQSSendEntry.carriesMessages(action) {
                            (parameters, sends) = try SQSSendEntry.decodeJSON(action: action, bytes)
                        } else {
                            parameters = try JSONParser.parse(bytes)
                        }
                    }
                } catch {
                    throw SQSError("SerializationException", "the body is not valid JSON")
                }
            } else if SQSSendEntry.carriesMessages(action) {
                (parameters, sends) = SQSSendEntry.separate(action: action, from: parameters)
            }
            guard case .object = parameters else {
                throw SQSError("SerializationException", "the body is not an object")
            }
            return SQSRequest(action: action, parameters: parameters, sends: sends, wireProtocol: .json)
        }
        var pairs: [(String, String)] = []
        if let mark = target.firstIndex(of: "?") {
            pairs += Self.formPairs(Substring(target[target.index(after: mark)...]))
        }
        if method == .POST {
            pairs += Self.formPairs(Substring(String(decoding: body.readableBytesView, as: UTF8.self)))
        }
        guard let action = pairs.first(where: { $0.0 == "Action" })?.1 else {
            throw SQSError("MissingAction", "The request must contain the parameter Action.")
        }
        var request = SQSRequest(
            action: action, parameters: Self.fold(pairs.filter { $0.0 != "Action" && $0.0 != "Version" }),
            wireProtocol: .query)
        if SQSSendEntry.carriesMessages(action) {
            (request.parameters, request.sends) = SQSSendEntry.separate(action: action, from: request.parameters)
        }
        return request
    }

    static func formPairs(_ text: Substring) -> [(String, String)] {
        text.split(separator: "&").map { item in
            let parts = item.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            func decoded(_ part: Substring) -> String {
                String(decoding: SQSSignatureV4.decode(Substring(part.replacing("+", with: " "))), as: UTF8.self)
            }
            return (decoded(parts[0]), parts.count > 1 ? decoded(parts[1]) : "")
        }
    }

    // MARK: Query folding

    private indirect enum Node {
        case leaf(String)
        case branch([String: Node])
    }

    /// `A.1.B=x` → a tree, then lists by their numeric keys, then the JSON protocol's names.
    static func fold(_ pairs: [(String, String)]) -> JSONValue {
        var root: [String: Node] = [:]
        for (key, value) in pairs {
            Self.insert(key.split(separator: ".").map(String.init)[...], value, into: &root)
        }
        return Self.rename(Self.json(.branch(root)))
    }

    private static func insert(_ path: ArraySlice<String>, _ value: String, into tree: inout [String: Node]) {
        guard let head = path.first else { return }
        if path.count == 1 {
            tree[head] = .leaf(value)
            return
        }
        var child: [String: Node] = [:]
        if case .branch(let existing)? = tree[head] { child = existing }
        Self.insert(path.dropFirst(), value, into: &child)
        tree[head] = .branch(child)
    }

    private static func json(_ node: Node) -> JSONValue {
        switch node {
        case .leaf(let value): return .string(value)
        case .branch(let children):
            if !children.isEmpty, children.keys.allSatisfy({ Int($0) != nil }) {
                return .array(children.sorted { Int($0.key)! < Int($1.key)! }.map { Self.json($0.value) })
            }
            return .object(children.sorted { $0.key < $1.key }.map { ($0.key, Self.json($0.value)) })
        }
    }

    /// The query protocol's flattened names → the JSON protocol's (maps of name/value pairs become objects).
    private static func rename(_ value: JSONValue) -> JSONValue {
        guard case .object(let members) = value else {
            if case .array(let items) = value { return .array(items.map(Self.rename)) }
            return value
        }
        var output: [(String, JSONValue)] = []
        for (key, member) in members {
            let items: [JSONValue]
            if case .array(let list) = member { items = list } else { items = [member] }
            switch key {
            case "Attribute":
                output.append(("Attributes", Self.pairs(items, key: "Name", value: "Value")))
            case "Tag", "Tags":
                output.append(("Tags", Self.pairs(items, key: "Key", value: "Value")))
            case "MessageAttribute", "MessageSystemAttribute":
                let renamed = key == "MessageAttribute" ? "MessageAttributes" : "MessageSystemAttributes"
                output.append(
                    (
                        renamed,
                        .object(
                            items.compactMap { item in
                                guard let name = item["Name"]?.stringValue else { return nil }
                                return (name, item["Value"] ?? .object([]))
                            })
                    ))
            case "AttributeName", "MessageAttributeName", "MessageSystemAttributeName", "TagKey":
                output.append((key + "s", .array(items)))
            case _ where key.hasSuffix("BatchRequestEntry"):
                output.append(("Entries", .array(items.map(Self.rename))))
            default:
                output.append((key, Self.rename(member)))
            }
        }
        return .object(output)
    }

    private static func pairs(_ items: [JSONValue], key: String, value: String) -> JSONValue {
        .object(
            items.compactMap { item in
                guard let name = item[key]?.stringValue else { return nil }
                return (name, item[value] ?? .string(""))
            })
    }
}

/// Typed reads of a call's parameters, with SQS's errors.
extension JSONValue {
    func sqsString(_ name: String) throws(SQSError) -> String {
        guard let value = self[name] else { throw .missing(name) }
        guard let text = value.stringValue else { throw .invalid("\(name) must be a string") }
        return text
    }

    func sqsOptionalString(_ name: String) throws(SQSError) -> String? {
        guard self[name] != nil else { return nil }
        return try self.sqsString(name)
    }

    /// Integers arrive as JSON numbers or (query protocol) as decimal strings.
    func sqsInteger(_ name: String, in range: ClosedRange<Int64>) throws(SQSError) -> Int64? {
        guard let value = self[name] else { return nil }
        let number: Int64?
        switch value {
        case .int(let integer): number = integer
        case .string(let text): number = Int64(text)
        default: number = nil
        }
        guard let number, range.contains(number) else {
            throw .invalid(
                "Value \(value.sqsText) for parameter \(name) is invalid. Must be between \(range.lowerBound) and \(range.upperBound)."
            )
        }
        return number
    }

    var sqsText: String {
        switch self {
        case .string(let text): text
        case .int(let value): String(value)
        case .double(let value): String(value)
        case .bool(let value): value ? "true" : "false"
        case .null: ""
        case .array, .object: self.serialized
        }
    }

    var sqsMembers: [(String, JSONValue)] {
        if case .object(let members) = self { return members }
        return []
    }

    var sqsItems: [JSONValue] {
        if case .array(let items) = self { return items }
        return []
    }
}
