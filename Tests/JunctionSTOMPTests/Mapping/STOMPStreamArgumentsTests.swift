import JunctionCore
import JunctionCoreTestSupport
import JunctionModel
import JunctionSTOMP
import JunctionSTOMPCodec
import Testing

@Suite("STOMP stream consumer headers")
struct STOMPStreamArgumentsTests {
    @Test(arguments: [
        ("first", FieldValue.string("first")),
        ("last", .string("last")),
        ("next", .string("next")),
        ("offset=42", .int64(42)),
        ("42", .int64(42)),
        ("offset=0", .int64(0)),
        ("timestamp=1700000000", .timestamp(1_700_000_000)),
    ])
    func offsetHeaderBecomesTheEngineArgument(text: String, value: FieldValue) throws {
        #expect(try STOMPStreamArguments.offset(text) == value)
        // What the engine then accepts.
        _ = try StreamOffsetSpec(argument: value)
    }

    @Test(arguments: ["", "sideways", "offset=-1", "-5", "offset=", "timestamp=soon", "timestamp=-1", "First"])
    func invalidOffsetsAreRefused(text: String) {
        #expect(throws: STOMPError.self) { try STOMPStreamArguments.offset(text) }
    }

    @Test func onlyConsumerHeadersBecomeArguments() throws {
        let headers: STOMPHeaders = [
            "x-stream-offset": "offset=7", "x-consumer-group": "billing", "x-queue-type": "stream",
            "prefetch-count": "10",
        ]
        let table = try STOMPStreamArguments.arguments(from: headers)
        #expect(table["x-stream-offset"] == .int64(7))
        #expect(table["x-consumer-group"] == .string("billing"))
        #expect(table["x-queue-type"] == nil)
        #expect(table.count == 2)
    }

    @Test func noHeadersMeansTheEngineDefault() throws {
        #expect(try STOMPStreamArguments.arguments(from: STOMPHeaders()).isEmpty)
    }
}
