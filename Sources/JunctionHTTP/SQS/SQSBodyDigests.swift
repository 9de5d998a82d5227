import Crypto

/// The MD5 digests of sent message bodies in an answer (`MD5OfMessageBody`), exactly as AWS computes them:
/// the digest of the body's UTF-8 bytes, in lowercase hex. They depend on the body alone, so they are added
/// on the connection's loop after the engine answered (`SQSConnectionHandler`), not on the engine loop: two
/// digests per message were ~8% of its CPU. A receive's `MD5OfBody` is made with its answer
/// (`SQSReceivedMessages`).
enum SQSBodyDigests {
    static func md5Hex(_ text: String) -> String {
        var text = text
        return text.withUTF8 { bytes in
            var digest = Insecure.MD5()
            digest.update(bufferPointer: UnsafeRawBufferPointer(bytes))
            return SQSSignatureV4.hex(digest.finalize())
        }
    }

    /// `result` of `action` with its body digests in place, where AWS puts them.
    static func complete(_ result: JSONValue, action: String, request: SQSRequest) -> JSONValue {
        switch action {
        case "SendMessage":
            guard let body = request.parameters["MessageBody"]?.stringValue else { return result }
            return Self.inserting(("MD5OfMessageBody", .string(Self.md5Hex(body))), after: "MessageId", into: result)
        case "SendMessageBatch":
            guard case .object(var members) = result,
                let position = members.firstIndex(where: { $0.0 == "Successful" }),
                case .array(let successful) = members[position].1
            else { return result }
            // Each entry's id and body read once (ids are unique in a batch: the engine checked them).
            let sent: [(id: String, body: String?)] = (request.parameters["Entries"]?.sqsItems ?? []).map {
                ($0["Id"]?.sqsText ?? "", $0["MessageBody"]?.stringValue)
            }
            members[position].1 = .array(
                successful.map { entry in
                    let id = entry["Id"]?.stringValue
                    guard let body = sent.first(where: { $0.id == id })?.body else { return entry }
                    return Self.inserting(
                        ("MD5OfMessageBody", .string(Self.md5Hex(body))), after: "MessageId", into: entry)
                })
            return .object(members)
        default:
            return result
        }
    }

    private static func inserting(_ member: (String, JSONValue), after name: String, into value: JSONValue) -> JSONValue
    {
        guard case .object(var members) = value else { return value }
        let position = members.firstIndex { $0.0 == name }.map { $0 + 1 } ?? members.count
        members.insert(member, at: position)
        return .object(members)
    }
}
