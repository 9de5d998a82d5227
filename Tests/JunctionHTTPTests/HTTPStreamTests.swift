import JunctionCore
import JunctionCoreTestSupport
import JunctionModel
import Logging
import NIOCore
import NIOHTTP1
import Testing

@testable import JunctionHTTP

@Suite("HTTP stream reads and stream observability")
struct HTTPStreamTests {
    @Test func routesStreamReads() {
        #expect(
            HTTPRoute(path: ["api", "v1", "streams", "/", "events", "messages"])
                == .streamMessages(vhost: "/", stream: "events"))
        #expect(HTTPRoute(path: ["api", "v1", "streams", "/", "events"]) == nil)
        #expect(HTTPRoute.streamMessages(vhost: "/", stream: "s").allowedMethods == [.GET])
    }

    @Test func queryDefaultsAndForms() throws {
        let plain = try HTTPStreamQuery([:], defaultOffset: "first")
        #expect(plain.arguments["x-stream-offset"] == .string("first"))
        #expect(plain.max == 100 && plain.group == nil)
        let numbered = try HTTPStreamQuery(["offset": "12", "max": "1000", "group": "g"], defaultOffset: "first")
        #expect(numbered.arguments["x-stream-offset"] == .int64(12))
        #expect(numbered.arguments["x-consumer-group"] == .string("g"))
        #expect(numbered.max == 1000 && numbered.group == "g")
        let timed = try HTTPStreamQuery(["timestamp": "1700000000"], defaultOffset: "next")
        #expect(timed.arguments["x-stream-offset"] == .timestamp(1_700_000_000))
    }

    @Test(arguments: [
        ["offset": "sideways"], ["offset": "-1"], ["max": "0"], ["max": "1001"], ["timestamp": "x"],
        ["offset": "1", "timestamp": "1"], ["group": ""],
    ])
    func badQueriesAreBadRequests(query: [String: String]) {
        let error = #expect(throws: HTTPAPIError.self) {
            _ = try HTTPStreamQuery(query, defaultOffset: "first")
        }
        #expect(error?.status == .badRequest)
    }

    @Test func streamFieldsShowOffsetsAndGroups() {
        let groups = [
            StreamGroupInfo(name: "a", committedOffset: 4, lag: 5, activeConsumerTag: "c1", memberCount: 2),
            StreamGroupInfo(name: "b", committedOffset: nil, lag: 10, activeConsumerTag: nil, memberCount: 0),
        ]
        let json = JSONValue.object(
            ManagementRepresentation.streamFields(firstOffset: 0, nextOffset: 10, sizeInBytes: 99, groups: groups)
        ).serialized
        #expect(json.contains(#""first_offset":0,"last_offset":9,"next_offset":10,"segment_bytes":99"#))
        #expect(json.contains(#"{"name":"a","committed_offset":4,"lag":5,"active_consumer":"c1","members":2}"#))
        #expect(json.contains(#"{"name":"b","committed_offset":null,"lag":10,"active_consumer":null,"members":0}"#))
        let empty = JSONValue.object(
            ManagementRepresentation.streamFields(firstOffset: 3, nextOffset: 3, sizeInBytes: 0, groups: [])
        ).serialized
        #expect(empty.contains(#""first_offset":null,"last_offset":null"#))
    }

    @Test func streamQueueHasStreamTypeAndRetainedMessageCount() throws {
        let broker = Broker(logger: Logger(label: "test"))
        let host = try #require(broker.virtualHost("/"))
        _ = try host.declareQueue(
            "s", durable: true, exclusive: false, autoDelete: false, arguments: ["x-queue-type": .string("stream")],
            passive: false, owner: ConnectionID(1))
        for body in ["a", "b", "c"] {
            _ = try host.publish(Message(exchange: "", routingKey: "s", body: ByteBuffer(string: body)))
        }
        let json = ManagementRepresentation.queue(
            try #require(host.queue(named: "s")), vhost: "/", stream: host.stream(named: "s")
        ).serialized
        #expect(json.contains(#""type":"stream""#))
        #expect(json.contains(#""messages":3,"messages_ready":3"#))
        #expect(json.contains(#""first_offset":0,"last_offset":2"#))
        #expect(json.contains(#""consumer_groups":[]"#))
    }
}
