import JunctionCore
import JunctionCoreTestSupport
import JunctionModel
import NIOCore
import NIOEmbedded
import Testing

@testable import JunctionHTTP

@Suite("HTTP handler on EmbeddedChannel")
struct HTTPHandlerTests {
    @Test func missingOrWrongCredentialsAre401WithJSONError() throws {
        let harness = try HTTPHarness()
        let missing = try harness.request("GET", "/api/queues", headers: "")
        #expect(missing.status == 401)
        #expect(missing.headers["www-authenticate"] == "Basic realm=\"Junction\"")
        #expect(missing.json?["error"] == .string("not_authorised"))
        let wrong = try harness.request("GET", "/api/queues", headers: "Authorization: Basic Z3Vlc3Q6eA==\r\n")
        #expect(wrong.status == 401)
    }

    @Test func managementNeedsATagButPublishingDoesNot() throws {
        let harness = try HTTPHarness()
        let app = "Authorization: Basic YXBwOnNlY3JldA==\r\n"
        #expect(try harness.request("GET", "/api/queues", headers: app).status == 403)
        let publish = try harness.request(
            "POST", "/api/exchanges/%2F/amq.default/publish",
            body: #"{"routing_key":"none","payload":"x","properties":{}}"#, headers: app
        )
        #expect(publish.status == 200)
        #expect(publish.json?["routed"] == .bool(false))
    }

    @Test func declarePublishGetAndPurgeAQueue() throws {
        let harness = try HTTPHarness()
        #expect(try harness.request("PUT", "/api/queues/%2F/jobs", body: #"{"durable":true}"#).status == 201)
        #expect(try harness.request("PUT", "/api/queues/%2F/jobs", body: #"{"durable":true}"#).status == 204)
        let publish = try harness.request(
            "POST", "/api/exchanges/%2F/amq.default/publish",
            body:
                #"{"routing_key":"jobs","payload":"aGk=","payload_encoding":"base64","properties":{"content_type":"text/plain"}}"#
        )
        #expect(publish.json?["routed"] == .bool(true))
        let queue = try harness.request("GET", "/api/queues/%2F/jobs")
        #expect(queue.json?["messages_ready"] == .int(1))
        let got = try harness.request(
            "POST", "/api/queues/%2F/jobs/get", body: #"{"count":5,"ackmode":"ack_requeue_true","encoding":"auto"}"#)
        let items = try #require(got.json?.arrayValue)
        #expect(items.count == 1)
        #expect(items[0]["payload"] == .string("hi"))
        #expect(items[0]["properties"]?["content_type"] == .string("text/plain"))
        // ack_requeue_true puts it back, redelivered.
        let again = try harness.request(
            "POST", "/api/queues/%2F/jobs/get", body: #"{"count":1,"ackmode":"ack_requeue_false"}"#)
        #expect(again.json?.arrayValue?.first?["redelivered"] == .bool(true))
        #expect(harness.broker.virtualHost("/")?.queue(named: "jobs")?.readyCount == 0)
        _ = try harness.request(
            "POST", "/api/exchanges/%2F/amq.default/publish", body: #"{"routing_key":"jobs","payload":"x"}"#)
        #expect(try harness.request("DELETE", "/api/queues/%2F/jobs/contents").status == 204)
        #expect(harness.broker.virtualHost("/")?.queue(named: "jobs")?.readyCount == 0)
    }

    @Test func badInputMapsToStatuses() throws {
        let harness = try HTTPHarness()
        let badJSON = try harness.request("PUT", "/api/queues/%2F/q", body: "{nope")
        #expect(badJSON.status == 400)
        #expect(badJSON.json?["error"] == .string("bad_request"))
        #expect(try harness.request("GET", "/api/queues/nowhere").status == 404)
        #expect(try harness.request("GET", "/api/queues/%2F/missing").status == 404)
        let unknownExchange = try harness.request(
            "POST", "/api/exchanges/%2F/nope/publish", body: #"{"routing_key":"","payload":""}"#)
        #expect(unknownExchange.status == 404)
        #expect(unknownExchange.json?["reason"] == .string("no exchange 'nope' in vhost '/'"))
        let method = try harness.request("PATCH", "/api/queues/%2F/q")
        #expect(method.status == 405)
        #expect(try harness.request("PUT", "/api/exchanges/%2F/amq.custom", body: #"{"type":"direct"}"#).status == 403)
        #expect(try harness.request("PUT", "/api/exchanges/%2F/x", body: #"{"type":"nonsense"}"#).status == 400)
        #expect(try harness.request("GET", "/nothing-here").status == 404)
    }

    @Test func oversizedBodyIs413AndCloses() throws {
        let harness = try HTTPHarness(configuration: .init(maxBodyBytes: 10))
        let response = try harness.request(
            "POST", "/api/exchanges/%2F/amq.default/publish", body: String(repeating: "x", count: 11))
        #expect(response.status == 413)
        #expect(response.json?["error"] == .string("payload_too_large"))
    }

    @Test func publishingDuringAnAlarmIs503() throws {
        let harness = try HTTPHarness()
        harness.broker.resourceAlarms = ["memory"]
        let response = try harness.request(
            "POST", "/api/exchanges/%2F/amq.default/publish", body: #"{"routing_key":"q","payload":"x"}"#)
        #expect(response.status == 503)
        #expect(try harness.request("GET", "/api/health/checks/alarms").status == 503)
    }

    @Test func rawPublishThenLongPollWithLeaseAndAck() throws {
        let harness = try HTTPHarness()
        _ = try harness.request("PUT", "/api/queues/%2F/orders", body: "{}")
        let created = try harness.request(
            "POST", "/api/v1/exchanges/%2F/amq.default/messages?routing_key=orders", body: #"{"id":1}"#,
            headers: HTTPHarness.guest + "Content-Type: application/json\r\nX-Header-Tenant: acme\r\n"
        )
        #expect(created.status == 201)
        let messageID = try #require(created.json?["message_id"]?.stringValue)
        let poll = try harness.request("GET", "/api/v1/queues/%2F/orders/messages?max=5&lease=30")
        let message = try #require(poll.json?["messages"]?.arrayValue?.first)
        #expect(message["payload"] == .string(#"{"id":1}"#))
        #expect(message["properties"]?["message_id"] == .string(messageID))
        #expect(message["properties"]?["headers"]?["tenant"] == .string("acme"))
        let receipt = try #require(message["receipt"]?.stringValue)
        let queue = try #require(harness.broker.virtualHost("/")?.queue(named: "orders"))
        #expect(queue.unackedCount == 1)
        #expect(try harness.request("DELETE", "/api/v1/receipts/\(receipt)").status == 204)
        #expect(queue.unackedCount == 0)
        #expect(try harness.request("DELETE", "/api/v1/receipts/\(receipt)").status == 404)
    }

    @Test func leaseExpiryReturnsTheMessage() throws {
        let harness = try HTTPHarness()
        _ = try harness.request("PUT", "/api/queues/%2F/work", body: "{}")
        _ = try harness.request("POST", "/api/v1/exchanges/%2F/amq.default/messages?routing_key=work", body: "job")
        let poll = try harness.request("GET", "/api/v1/queues/%2F/work/messages?lease=2")
        #expect(poll.json?["messages"]?.arrayValue?.count == 1)
        let queue = try #require(harness.broker.virtualHost("/")?.queue(named: "work"))
        #expect(queue.readyCount == 0)
        harness.channel.embeddedEventLoop.advanceTime(by: .seconds(2))
        #expect(queue.readyCount == 1)
        let again = try harness.request("GET", "/api/v1/queues/%2F/work/messages")
        #expect(again.json?["messages"]?.arrayValue?.first?["redelivered"] == .bool(true))
        #expect(again.json?["messages"]?.arrayValue?.first?["delivery_count"] == .int(2))
    }

    @Test func longPollWaitsForAPublishAndTimesOutEmpty() throws {
        let harness = try HTTPHarness()
        _ = try harness.request("PUT", "/api/queues/%2F/idle", body: "{}")
        try harness.send("GET", "/api/v1/queues/%2F/idle/messages?wait=5&max=3")
        #expect(try harness.readResponse() == nil)
        let host = try #require(harness.broker.virtualHost("/"))
        _ = try host.publish(Message(exchange: "", routingKey: "idle", body: ByteBuffer(string: "a")))
        _ = try host.publish(Message(exchange: "", routingKey: "idle", body: ByteBuffer(string: "b")))
        harness.channel.embeddedEventLoop.run()
        let response = try #require(try harness.readResponse())
        #expect(response.json?["messages"]?.arrayValue?.compactMap { $0["payload"]?.stringValue } == ["a", "b"])
        #expect(host.queue(named: "idle")?.consumerCount == 0)

        try harness.send("GET", "/api/v1/queues/%2F/idle/messages?wait=5")
        harness.channel.embeddedEventLoop.advanceTime(by: .seconds(5))
        let empty = try #require(try harness.readResponse())
        #expect(empty.json?["messages"] == .array([]))
    }

    @Test func metricsAreUnauthenticatedPrometheusText() throws {
        let harness = try HTTPHarness()
        _ = try harness.request("PUT", "/api/queues/%2F/m", body: "{}")
        _ = try harness.request(
            "POST", "/api/exchanges/%2F/amq.default/publish", body: #"{"routing_key":"m","payload":"x"}"#)
        let metrics = try harness.request("GET", "/metrics", headers: "")
        #expect(metrics.status == 200)
        #expect(metrics.body.contains(#"junction_queue_messages_ready{vhost="/",queue="m"} 1"#))
        #expect(metrics.body.contains("# TYPE junction_messages_published_total counter"))
        #expect(metrics.body.contains(#"junction_messages_published_total{vhost="/"} 1"#))
        #expect(metrics.body.contains(#"junction_connections{protocol="HTTP/1.1"} 1"#))
    }

    @Test func definitionsExportImportRoundTrip() throws {
        let harness = try HTTPHarness()
        _ = try harness.request("PUT", "/api/exchanges/%2F/orders", body: #"{"type":"topic","durable":true}"#)
        _ = try harness.request("PUT", "/api/queues/%2F/eu", body: #"{"durable":true,"arguments":{"x-max-length":10}}"#)
        #expect(
            try harness.request("POST", "/api/bindings/%2F/e/orders/q/eu", body: #"{"routing_key":"eu.*"}"#).status
                == 201)
        let exported = try harness.request("GET", "/api/definitions").body

        let other = try HTTPHarness()
        #expect(try other.request("POST", "/api/definitions", body: exported).status == 204)
        let host = try #require(other.broker.virtualHost("/"))
        #expect(host.exchange(named: "orders")?.type == .topic)
        #expect(host.queue(named: "eu")?.arguments["x-max-length"] == .int64(10))
        #expect(host.bindings.contains { $0.source == "orders" && $0.destination == "eu" && $0.routingKey == "eu.*" })
        let bindings = try other.request("GET", "/api/bindings/%2F/e/orders/q/eu")
        let key = try #require(bindings.json?.arrayValue?.first?["properties_key"]?.stringValue)
        #expect(try other.request("DELETE", "/api/bindings/%2F/e/orders/q/eu/\(key)").status == 204)
        #expect(!host.bindings.contains { $0.source == "orders" })
    }

    @Test func connectionsListTheHTTPConnection() throws {
        let harness = try HTTPHarness()
        let list = try harness.request("GET", "/api/connections")
        #expect(list.json?.arrayValue?.first?["protocol"] == .string("HTTP/1.1"))
        #expect(list.json?.arrayValue?.first?["peer_host"] == .string("127.0.0.1"))
    }
}
