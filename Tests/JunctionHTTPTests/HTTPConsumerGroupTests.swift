import JunctionCore
import NIOHTTP1
import Testing

@testable import JunctionHTTP

@Suite("HTTP consumer groups: listing with lag, offset reset")
struct HTTPConsumerGroupTests {
    /// A stream "s" of 6 messages whose group "g" read (and so committed) the first 4.
    private func harnessWithGroup() throws -> HTTPHarness {
        let harness = try HTTPHarness(configuration: .init(maxBodyBytes: 4096))
        let declared = try harness.request(
            "PUT", "/api/queues/%2F/s", body: #"{"durable":true,"arguments":{"x-queue-type":"stream"}}"#)
        #expect(declared.status == 201)
        for index in 0..<6 {
            let published = try harness.request(
                "POST", "/api/exchanges/%2F/amq.default/publish",
                body: #"{"routing_key":"s","payload":"m\#(index)","payload_encoding":"string","properties":{}}"#)
            #expect(published.status == 200)
        }
        let read = try harness.request("GET", "/api/v1/streams/%2F/s/messages?group=g&max=4&offset=first")
        #expect(read.json?["next_offset"]?.intValue == 4)
        return harness
    }

    @Test func routes() {
        #expect(HTTPRoute(path: ["api", "consumer-groups"]) == .consumerGroups(vhost: nil))
        #expect(HTTPRoute(path: ["api", "consumer-groups", "/"]) == .consumerGroups(vhost: "/"))
        #expect(
            HTTPRoute(path: ["api", "consumer-groups", "/", "g", "reset-offsets"])
                == .consumerGroupReset(vhost: "/", group: "g"))
        #expect(HTTPRoute.consumerGroupReset(vhost: "/", group: "g").allowedMethods == [.POST])
    }

    @Test func listsEachGroupWithItsLag() throws {
        let harness = try self.harnessWithGroup()
        let listed = try #require(try harness.request("GET", "/api/consumer-groups").json?.arrayValue)
        #expect(listed.count == 1)
        #expect(listed[0]["name"] == .string("g") && listed[0]["stream"] == .string("s"))
        #expect(listed[0]["committed_offset"]?.intValue == 3)
        #expect(listed[0]["lag"]?.intValue == 2)
        #expect(listed[0]["members"]?.intValue == 0)
        #expect(try harness.request("GET", "/api/consumer-groups/%2F").json?.arrayValue?.count == 1)
        #expect(try harness.request("GET", "/api/consumer-groups/nowhere").status == 404)
    }

    @Test func resetsToEachKindOfTarget() throws {
        let harness = try self.harnessWithGroup()
        let path = "/api/consumer-groups/%2F/g/reset-offsets"
        let earliest = try harness.request("POST", path, body: #"{"stream":"s","to":"earliest"}"#)
        #expect(earliest.status == 200)
        #expect(earliest.json?["previous_committed_offset"]?.intValue == 3)
        #expect(earliest.json?["next_offset"]?.intValue == 0)
        #expect(earliest.json?["committed_offset"] == .null)
        #expect(try harness.request("GET", "/api/consumer-groups").json?.arrayValue?.first?["lag"]?.intValue == 6)
        let offset = try harness.request("POST", path, body: #"{"stream":"s","to":"offset","offset":5}"#)
        #expect(offset.json?["committed_offset"]?.intValue == 4)
        let latest = try harness.request("POST", path, body: #"{"stream":"s","to":"latest"}"#)
        #expect(latest.json?["next_offset"]?.intValue == 6)
        let timed = try harness.request("POST", path, body: #"{"stream":"s","to":"timestamp","timestamp":0}"#)
        #expect(timed.json?["next_offset"]?.intValue == 0)
        // The group reads from where it was put.
        let read = try harness.request("GET", "/api/v1/streams/%2F/s/messages?group=g&max=10")
        #expect(read.json?["messages"]?.arrayValue?.count == 6)
    }

    @Test(arguments: [
        #"{"to":"earliest"}"#, #"{"stream":"s"}"#, #"{"stream":"s","to":"sideways"}"#,
        #"{"stream":"s","to":"offset"}"#, #"{"stream":"s","to":"offset","offset":-2}"#,
        #"{"stream":"s","to":"timestamp"}"#, #"{"stream":"s","to":"latest","force":"yes"}"#,
    ])
    func badBodiesAreBadRequests(body: String) throws {
        let harness = try self.harnessWithGroup()
        #expect(try harness.request("POST", "/api/consumer-groups/%2F/g/reset-offsets", body: body).status == 400)
    }

    @Test func aResetNeedsTheAdministratorTagAndAStream() throws {
        let harness = try self.harnessWithGroup()
        let path = "/api/consumer-groups/%2F/g/reset-offsets"
        let app = "Authorization: Basic YXBwOnNlY3JldA==\r\n"
        #expect(try harness.request("POST", path, body: #"{"stream":"s","to":"latest"}"#, headers: app).status == 403)
        #expect(try harness.request("POST", path, body: #"{"stream":"none","to":"latest"}"#).status == 404)
        _ = try harness.request("PUT", "/api/queues/%2F/classic", body: "{}")
        #expect(try harness.request("POST", path, body: #"{"stream":"classic","to":"latest"}"#).status == 400)
    }
}
