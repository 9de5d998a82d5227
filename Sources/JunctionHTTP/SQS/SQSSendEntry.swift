import NIOCore

/// One message of a SendMessage (the request itself) or of a SendMessageBatch (one of its `Entries`), as the
/// connection's loop decoded it: the body as UTF-8 bytes, the entry's other members as they came. The body is
/// never a `String`: it becomes the message's body as it is, and its `MD5OfMessageBody` is taken from the same
/// bytes. Before, each 1 KiB body was a `String` in a `JSONValue` tree, copied again into the message on the
/// engine loop, and the tree was torn down member by member.
struct SQSSendEntry: Sendable, Equatable {
    /// Every member but the body (`Id`, `DelaySeconds`, `MessageAttributes`, …); an entry that is not an
    /// object is kept here as it came (it has no `Id`, and is refused as a batch entry without one).
    var parameters: JSONValue
    /// `MessageBody` when it is a string: its UTF-8 bytes, unescaped, with bytes that are not UTF-8 replaced
    /// by U+FFFD as a `String` would have them. Nil when the member is missing, or is not a string (then it
    /// is still in `parameters`, and refused from there as `InvalidParameterValue`).
    let body: ByteBuffer?
    /// Whether `body` holds only characters SQS accepts (`SQSMessageAttribute.isValidBody`), decided where the
    /// entry is decoded: on the connection's loop, while the bytes are still in its cache (on the engine loop
    /// the scan was the first touch of every body, ~2% of that loop).
    let bodyIsValid: Bool

    /// The batch entry's `Id` ("" without one).
    var id: String { self.parameters["Id"]?.sqsText ?? "" }

    /// The body's length in bytes as SQS counts it for a batch's total: a non-string body by its text.
    var bodyLength: Int { self.body?.readableBytes ?? self.parameters["MessageBody"]?.sqsText.utf8.count ?? 0 }

    /// An entry from an already decoded object (the query protocol's folded parameters): the first
    /// `MessageBody` member, when it is a string, becomes the body.
    init(_ value: JSONValue) {
        guard case .object(var members) = value,
            let position = members.firstIndex(where: { $0.0 == "MessageBody" }),
            case .string(let text) = members[position].1
        else {
            self.init(parameters: value, body: nil)
            return
        }
        members.remove(at: position)
        self.init(parameters: .object(members), body: ByteBuffer(string: text))
    }

    init(parameters: JSONValue, body: ByteBuffer?) {
        self.parameters = parameters
        self.body = body
        self.bodyIsValid = body.map(SQSMessageAttribute.isValidBody) ?? false
    }

    // MARK: Decoding

    /// Whether `action`'s messages travel as `SQSSendEntry` values.
    static func carriesMessages(_ action: String) -> Bool {
        action == "SendMessage" || action == "SendMessageBatch"
    }

    /// Takes the messages out of already decoded parameters of a SendMessage (the request is the entry) or a
    /// SendMessageBatch (its first `Entries` member, a list, is the entries): the parameters without them,
    /// and the entries.
    static func separate(action: String, from parameters: JSONValue) -> (JSONValue, [SQSSendEntry]) {
        if action == "SendMessage" {
            let entry = SQSSendEntry(parameters)
            return (entry.parameters, [entry])
        }
        guard case .object(var members) = parameters,
            let position = members.firstIndex(where: { $0.0 == "Entries" }),
            case .array(let items) = members[position].1
        else { return (parameters, []) }
        members.remove(at: position)
        return (.object(members), items.map(SQSSendEntry.init))
    }

    /// Decodes the JSON body of a SendMessage or SendMessageBatch in one pass, each message body straight into
    /// bytes: the same result as `separate(action:from:)` on the parsed body, without a `String` per body.
    static func decodeJSON(
        action: String, _ bytes: UnsafeRawBufferPointer
    ) throws(JSONParser.ParseError) -> (JSONValue, [SQSSendEntry]) {
        try JSONParser.withParser(bytes) { parser throws(JSONParser.ParseError) in
            guard parser.isAtObject else { return Self.separate(action: action, from: try parser.parseValue(depth: 0)) }
            if action == "SendMessage" {
                let entry = try Self.entry(&parser, depth: 0)
                return (entry.parameters, [entry])
            }
            var members: [(String, JSONValue)] = []
            var entries: [SQSSendEntry]?
            try parser.members(depth: 0) { key, parser throws(JSONParser.ParseError) in
                guard key == "Entries", entries == nil, parser.isAtArray else {
                    members.append((key, try parser.parseValue(depth: 1)))
                    return
                }
                var list: [SQSSendEntry] = []
                list.reserveCapacity(10)
                try parser.items(depth: 1) { parser throws(JSONParser.ParseError) in
                    list.append(
                        parser.isAtObject
                            ? try Self.entry(&parser, depth: 2)
                            : SQSSendEntry(parameters: try parser.parseValue(depth: 2), body: nil))
                }
                entries = list
            }
            return (.object(members), entries ?? [])
        }
    }

    /// The object at the parser's position (at `depth`) as an entry: its first `MessageBody`, when a string,
    /// read as bytes.
    private static func entry(_ parser: inout JSONParser, depth: Int) throws(JSONParser.ParseError) -> SQSSendEntry {
        var members: [(String, JSONValue)] = []
        members.reserveCapacity(4)
        var body: ByteBuffer?
        var sawBody = false
        try parser.members(depth: depth) { key, parser throws(JSONParser.ParseError) in
            if key == "MessageBody" && !sawBody {
                sawBody = true
                if parser.isAtString {
                    body = try parser.parseStringBytes()
                    return
                }
            }
            members.append((key, try parser.parseValue(depth: depth + 1)))
        }
        return SQSSendEntry(parameters: .object(members), body: body)
    }
}
