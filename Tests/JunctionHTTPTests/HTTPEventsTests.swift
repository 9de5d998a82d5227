import JunctionCore
import JunctionCoreTestSupport
import JunctionModel
import NIOCore
import NIOEmbedded
import NIOHTTP1
import Testing

@testable import JunctionHTTP

@Suite("Server-Sent Events")
struct HTTPEventsTests {
    @Test func encodesIdEventAndOneDataLinePerLine() {
        let event = ServerSentEvent(id: "7", event: "message", data: "first\nsecond\r\nthird\rfourth")
        #expect(event.encoded == "id: 7\nevent: message\ndata: first\ndata: second\ndata: third\ndata: fourth\n\n")
    }

    @Test func emptyDataAndTrailingNewlineKeepTheirLines() {
        #expect(ServerSentEvent(data: "").encoded == "data: \n\n")
        #expect(ServerSentEvent(data: "x\n").encoded == "data: x\ndata: \n\n")
        #expect(ServerSentEvent(id: "0", data: "ünï").encoded == "id: 0\ndata: ünï\n\n")
        #expect(ServerSentEvent.heartbeat == ": heartbeat\n\n")
    }

    @Test func textBodiesAreTextOthersBase64() throws {
        #expect(
            HTTPEventFormat.textEvent(id: "1", body: ByteBuffer(string: "a\nb"))
                == ServerSentEvent(id: "1", event: "message", data: "a\nb"))
        // A CR would come back as LF, and invalid UTF-8 cannot be text: both go as base64.
        #expect(
            HTTPEventFormat.textEvent(id: "2", body: ByteBuffer(string: "a\r\nb"))
                == ServerSentEvent(id: "2", event: "message-base64", data: "YQ0KYg=="))
        #expect(
            HTTPEventFormat.textEvent(id: "3", body: ByteBuffer(bytes: [0xFF, 0x00]))
                == ServerSentEvent(id: "3", event: "message-base64", data: "/wA="))
        #expect(throws: HTTPAPIError.self) { try HTTPEventFormat(query: "xml") }
        #expect(try HTTPEventFormat(query: nil) == .text)
    }

    @Test func routesEventEndpoints() {
        #expect(
            HTTPRoute(path: ["api", "v1", "streams", "/", "s", "events"]) == .streamEvents(vhost: "/", stream: "s"))
        #expect(
            HTTPRoute(path: ["api", "v1", "exchanges", "/", "amq.topic", "events"])
                == .exchangeEvents(vhost: "/", exchange: "amq.topic"))
        #expect(HTTPRoute.streamEvents(vhost: "/", stream: "s").allowedMethods == [.GET])
    }

    @Test func followsAStreamAndResumesAfterLastEventID() throws {
        let harness = try HTTPHarness()
        let host = try #require(harness.broker.virtualHost("/"))
        _ = try host.declareQueue(
            "s", durable: true, exclusive: false, autoDelete: false, arguments: ["x-queue-type": .string("stream")],
            passive: false, owner: ConnectionID(9))
        for body in ["a", "b\nc"] {
            _ = try host.publish(Message(exchange: "", routingKey: "s", body: ByteBuffer(string: body)))
        }
        try harness.send("GET", "/api/v1/streams/%2F/s/events?offset=first")
        harness.channel.embeddedEventLoop.run()
        let response = try #require(try harness.readResponse())
        #expect(response.status == 200)
        #expect(response.headers["content-type"] == "text/event-stream; charset=utf-8")
        #expect(response.headers["transfer-encoding"] == "chunked")
        #expect(response.body.contains("id: 0\nevent: message\ndata: a\n\nid: 1\nevent: message\ndata: b\ndata: c\n\n"))
        _ = try host.publish(Message(exchange: "", routingKey: "s", body: ByteBuffer(string: "live")))
        harness.channel.embeddedEventLoop.run()
        #expect(harness.outboundText().contains("id: 2\nevent: message\ndata: live\n\n"))
        #expect(host.stream(named: "s")?.consumerCount == 1)
        _ = try harness.channel.finish()
        #expect(host.stream(named: "s")?.consumerCount == 0)

        let resumed = try HTTPHarness(broker: harness.broker, connectionID: 2)
        try resumed.send(
            "GET", "/api/v1/streams/%2F/s/events?offset=first", headers: HTTPHarness.guest + "Last-Event-ID: 1\r\n")
        resumed.channel.embeddedEventLoop.run()
        let body = try #require(try resumed.readResponse()).body
        #expect(body.contains("id: 2\nevent: message\ndata: live\n\n") && !body.contains("id: 1\n"))
    }

    @Test func exchangeEventsUseAPrivateQueueThatGoesWithTheClient() throws {
        let harness = try HTTPHarness()
        let host = try #require(harness.broker.virtualHost("/"))
        try harness.send("GET", "/api/v1/exchanges/%2F/amq.topic/events?routing_key=sensors.*.temp&format=json")
        let response = try #require(try harness.readResponse())
        #expect(response.status == 200)
        let queue = try #require(host.queues.first { $0.name.hasPrefix("amq.gen-") })
        #expect(queue.exclusiveOwner == ConnectionID(1) && queue.autoDelete)
        _ = try host.publish(
            Message(exchange: "amq.topic", routingKey: "sensors.room1.temp", body: ByteBuffer(string: "21.5")))
        _ = try host.publish(
            Message(exchange: "amq.topic", routingKey: "sensors.room1.humidity", body: ByteBuffer(string: "40")))
        harness.channel.embeddedEventLoop.run()
        let text = harness.outboundText()
        #expect(text.contains("id: 1\nevent: message\ndata: {\"id\":1,"))
        #expect(text.contains(#""routing_key":"sensors.room1.temp""#) && text.contains(#""payload":"21.5""#))
        #expect(!text.contains("humidity"))
        #expect(queue.unackedCount == 0)
        _ = try harness.channel.finish()
        #expect(host.queue(named: queue.name) == nil)
    }

    @Test func takesNothingWhileNotWritableAndEndsWhenTheStreamGoes() throws {
        let harness = try HTTPHarness()
        let host = try #require(harness.broker.virtualHost("/"))
        _ = try host.declareQueue(
            "s", durable: true, exclusive: false, autoDelete: false, arguments: ["x-queue-type": .string("stream")],
            passive: false, owner: ConnectionID(9))
        try harness.send("GET", "/api/v1/streams/%2F/s/events")
        #expect(try #require(try harness.readResponse()).status == 200)
        harness.channel.isWritable = false
        harness.channel.pipeline.fireChannelWritabilityChanged()
        for index in 0..<300 {
            _ = try host.publish(Message(exchange: "", routingKey: "s", body: ByteBuffer(string: "m\(index)")))
        }
        harness.channel.embeddedEventLoop.run()
        #expect(harness.outboundText().isEmpty)
        harness.channel.isWritable = true
        harness.channel.pipeline.fireChannelWritabilityChanged()
        harness.channel.embeddedEventLoop.run()
        // More than the credit window: acknowledgements on write keep it flowing to the end.
        let text = harness.outboundText()
        #expect(
            text.contains("id: 0\nevent: message\ndata: m0\n\n")
                && text.contains("id: 299\nevent: message\ndata: m299\n\n"))
        _ = try host.deleteQueue("s", ifUnused: false, ifEmpty: false, owner: ConnectionID(9))
        harness.channel.embeddedEventLoop.run()
        #expect(harness.outboundText().hasSuffix("0\r\n\r\n"))
        #expect(!harness.channel.isActive)
    }

    @Test func errorsBeforeTheStreamStartAreJSON() throws {
        let harness = try HTTPHarness()
        #expect(try harness.request("GET", "/api/v1/streams/%2F/nope/events").status == 404)
        #expect(try harness.request("GET", "/api/v1/exchanges/%2F/nope/events").status == 404)
        _ = try #require(harness.broker.virtualHost("/")).declareQueue(
            "s", durable: true, exclusive: false, autoDelete: false, arguments: ["x-queue-type": .string("stream")],
            passive: false, owner: ConnectionID(9)
        )
        #expect(try harness.request("GET", "/api/v1/streams/%2F/s/events?offset=soon").status == 400)
        #expect(try harness.request("GET", "/api/v1/streams/%2F/s/events?heartbeat=0").status == 400)
        #expect(try harness.request("GET", "/api/v1/streams/%2F/s/events", headers: "").status == 401)
    }
}

extension HTTPHarness {
    /// Everything written since the last read, chunk framing included.
    func outboundText() -> String {
        var text = ""
        while let buffer = try? self.channel.readOutbound(as: ByteBuffer.self) {
            text += String(buffer: buffer)
        }
        return text
    }
}
