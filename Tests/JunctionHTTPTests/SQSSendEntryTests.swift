import NIOCore
import NIOHTTP1
import Testing

@testable import JunctionHTTP

/// SendMessage and SendMessageBatch bodies decoded in one pass with each message body kept as bytes
/// (`SQSSendEntry.decodeJSON`) give what the general parser followed by `separate` gives, on every shape a
/// client (or a hostile peer) can send.
@Suite("SQS send entries")
struct SQSSendEntryTests {
    static func decoded(_ action: String, _ text: String) throws -> (JSONValue, [SQSSendEntry]) {
        try ByteBuffer(string: text).withUnsafeReadableBytes { bytes in
            try SQSSendEntry.decodeJSON(action: action, bytes)
        }
    }

    static func separated(_ action: String, _ text: String) throws -> (JSONValue, [SQSSendEntry]) {
        SQSSendEntry.separate(action: action, from: try JSONParser.parse(Array(text.utf8)))
    }

    static let bodies = [
        #""plain ascii body""#, #""""#, #""caf\u00e9 \ud83d\ude00 and \"quotes\" \\ \n\t""#, "\"ünïcödé 😀\"",
        "\"\u{7F} del\"", "12", "null", #"{"nested":["x"]}"#, #"["a"]"#,
    ]

    @Test(arguments: ["SendMessage", "SendMessageBatch"])
    func oneFastPassMatchesTheTreeThenSeparate(action: String) throws {
        var documents: [String] = []
        for body in Self.bodies {
            let entry =
                #"{"Id":"e1","MessageBody":\#(body),"DelaySeconds":5,"MessageAttributes":{"k":{"DataType":"String","StringValue":"v"}}}"#
            if action == "SendMessage" {
                documents.append(#"{"QueueUrl":"http://h/0/q","MessageBody":\#(body),"DelaySeconds":1}"#)
                documents.append(#"{ "MessageBody" : \#(body) , "QueueUrl" : "q" }"#)
            } else {
                documents.append(#"{"QueueUrl":"http://h/0/q","Entries":[\#(entry),{"Id":"e2","MessageBody":"two"}]}"#)
                documents.append(#"{"Entries":[\#(entry)],"QueueUrl":"q"}"#)
            }
        }
        documents += [
            // No body; the body twice (the first counts); entries that are not a list or not objects; a
            // second `Entries`; no members; whitespace everywhere.
            #"{"QueueUrl":"q"}"#, #"{"MessageBody":"a","MessageBody":"b"}"#, #"{"MessageBody":1,"MessageBody":"b"}"#,
            #"{"Entries":"no"}"#, #"{"Entries":[1,"x",null,{"Id":"a","MessageBody":"b"}]}"#,
            #"{"Entries":[],"Entries":[{"Id":"a","MessageBody":"b"}]}"#, "{}", " {\n\t\"Entries\" : [ ] } ",
            #"{"Entries":[{"MessageBody":"a","Id":"x","MessageBody":"b"}]}"#,
        ]
        for document in documents {
            let fast = try Self.decoded(action, document)
            let tree = try Self.separated(action, document)
            #expect(fast.0 == tree.0, "\(document)")
            #expect(fast.1 == tree.1, "\(document)")
        }
    }

    @Test func bodiesAreTheStringsUTF8() throws {
        let (_, entries) = try Self.decoded(
            "SendMessageBatch",
            #"{"Entries":[{"Id":"a","MessageBody":"plain"},{"Id":"b","MessageBody":"caf\u00e9 \"q\""},{"Id":"c"}]}"#)
        #expect(entries.map(\.body) == [ByteBuffer(string: "plain"), ByteBuffer(string: "café \"q\""), nil])
        #expect(entries.map(\.id) == ["a", "b", "c"])
        #expect(entries.map(\.bodyLength) == [5, 9, 0])
        // Whether each body is one SQS accepts is decided as it is decoded; a control character is not.
        #expect(entries.map(\.bodyIsValid) == [true, true, false])
        let (_, controls) = try Self.decoded(
            "SendMessageBatch",
            #"{"Entries":[{"Id":"a","MessageBody":"bell \u0007"},{"Id":"b","MessageBody":"tab\t"}]}"#)
        #expect(controls.map(\.bodyIsValid) == [false, true])
        // A body that is not a string stays a parameter (refused later as not a string) and counts by its text.
        let (_, other) = try Self.decoded("SendMessageBatch", #"{"Entries":[{"Id":"a","MessageBody":12345}]}"#)
        #expect(other.first?.body == nil)
        #expect(other.first?.parameters["MessageBody"] == .int(12345))
        #expect(other.first?.bodyLength == 5)
    }

    /// Bytes that are not UTF-8 become U+FFFD, as a `String` made from them has it (and as the body was
    /// stored and digested before it was kept as bytes).
    @Test func bytesThatAreNotUTF8AreReplacedAsAStringWould() throws {
        var raw = ByteBuffer(string: #"{"Entries":[{"Id":"a","MessageBody":"x"#)
        raw.writeBytes([0xFF, 0xC3, 0x28])
        raw.writeString(#"y"}]}"#)
        let (_, entries) = try raw.withUnsafeReadableBytes {
            try SQSSendEntry.decodeJSON(action: "SendMessageBatch", $0)
        }
        let expected = String(decoding: [0x78, 0xFF, 0xC3, 0x28, 0x79] as [UInt8], as: UTF8.self)
        #expect(entries.first?.body == ByteBuffer(string: expected))
        #expect(entries.first?.body.map { String(buffer: $0) }?.contains("\u{FFFD}") == true)
    }

    @Test func malformedAndTooDeepDocumentsAreRefusedLikeTheParser() {
        let deep =
            #"{"Entries":[{"Id":"a","MessageAttributes":"# + String(repeating: "[", count: 80)
            + String(repeating: "]", count: 80) + "}]}"
        for document in [
            #"{"Entries":[{"Id":"a","MessageBody":"b"}"#, "{\"Entries\":[{\"Id\":\"a\",\"MessageBody\":\"b\u{1}\"}]}",
            "{\"MessageBody\":\"\u{1F}\"}",
            #"{"Entries":[{"Id":"a" "MessageBody":"b"}]}"#, #"{"MessageBody":"a"} trailing"#,
            #"{"MessageBody":"unterminated}"#, #"{"Entries":[,]}"#, "[", deep,
        ] {
            for action in ["SendMessage", "SendMessageBatch"] {
                #expect(throws: JSONParser.ParseError.self, "\(document)") { try Self.decoded(action, document) }
                #expect(throws: JSONParser.ParseError.self, "\(document)") { try Self.separated(action, document) }
            }
        }
    }

    /// Through `SQSRequest.decode`: the JSON protocol's and the query protocol's sends are the same entries.
    @Test func bothWireProtocolsGiveTheSameSends() throws {
        let json = try SQSRequest.decode(
            method: .POST, target: "/", headers: ["X-Amz-Target": "AmazonSQS.SendMessageBatch"],
            body: ByteBuffer(
                string:
                    #"{"QueueUrl":"http://h/0/q","Entries":[{"Id":"a","MessageBody":"one two"},{"Id":"b","MessageBody":"x"}]}"#
            ))
        let query = try SQSRequest.decode(
            method: .POST, target: "/", headers: [:],
            body: ByteBuffer(
                string: "Action=SendMessageBatch&QueueUrl=http%3A%2F%2Fh%2F0%2Fq"
                    + "&SendMessageBatchRequestEntry.1.Id=a&SendMessageBatchRequestEntry.1.MessageBody=one+two"
                    + "&SendMessageBatchRequestEntry.2.Id=b&SendMessageBatchRequestEntry.2.MessageBody=x"))
        #expect(json.sends == query.sends)
        #expect(json.parameters == query.parameters)
        let single = try SQSRequest.decode(
            method: .POST, target: "/", headers: ["X-Amz-Target": "AmazonSQS.SendMessage"], body: ByteBuffer())
        #expect(single.sends == [SQSSendEntry(parameters: .object([]), body: nil)])
    }
}
