import JunctionCore
import JunctionCoreTestSupport
import JunctionModel
import Logging
import NIOCore
import NIOHTTP1
import Testing

@testable import JunctionHTTP

@Suite("HTTP JSON, auth and error mapping")
struct HTTPEncodingTests {
    @Test func queueHasRabbitMQShape() throws {
        let broker = Broker(logger: Logger(label: "test"))
        let host = try #require(broker.virtualHost("/"))
        _ = try host.declareQueue(
            "q", durable: true, exclusive: false, autoDelete: false, arguments: ["x-max-length": .int32(5)],
            passive: false, owner: ConnectionID(1))
        _ = try host.publish(Message(exchange: "", routingKey: "q", body: ByteBuffer(string: "a")))
        _ = try host.publish(Message(exchange: "", routingKey: "q", body: ByteBuffer(string: "b")))
        _ = try host.get(queue: "q", noAck: false, owner: ConnectionID(1))
        let json = ManagementRepresentation.queue(
            try #require(host.queue(named: "q")), vhost: "/", rates: [0.4, 0.2, 0, 0]
        ).serialized
        #expect(
            json.hasPrefix(
                #"{"name":"q","vhost":"/","type":"classic","durable":true,"auto_delete":false,"exclusive":false,"arguments":{"x-max-length":5},"#
            ))
        #expect(json.contains(#""messages":2,"messages_ready":1,"messages_unacknowledged":1,"consumers":0"#))
        #expect(
            json.contains(
                #""message_stats":{"publish":2,"publish_details":{"rate":0.4},"deliver_get":1,"deliver_get_details":{"rate":0.2},"ack":0,"ack_details":{"rate":0.0},"redeliver":0,"redeliver_details":{"rate":0.0}}"#
            ))
    }

    @Test func bindingPropertiesKeyIsTildeForEmptyKeyAndStableWithArguments() {
        let plain = BindingInfo(source: "x", destination: "q", destinationKind: .queue, routingKey: "", arguments: [:])
        #expect(ManagementRepresentation.propertiesKey(plain) == "~")
        let withArguments = BindingInfo(
            source: "x", destination: "q", destinationKind: .queue, routingKey: "k", arguments: ["a": .string("b")])
        let key = ManagementRepresentation.propertiesKey(withArguments)
        #expect(key.hasPrefix("k~"))
        #expect(key == ManagementRepresentation.propertiesKey(withArguments))
    }

    @Test func serializesEscapesAndParsesBack() throws {
        let value = JSONValue.object([
            ("a\"b", .string("line\nbreak\u{01}é")), ("n", .int(-3)), ("d", .double(1.5)),
            ("l", .array([.null, .bool(true)])),
        ])
        let text = value.serialized
        #expect(text == #"{"a\"b":"line\nbreak\u0001é","n":-3,"d":1.5,"l":[null,true]}"#)
        #expect(try JSONParser.parse(Array(text.utf8)) == value)
    }

    @Test func parserRejectsGarbageAndDeepNesting() throws {
        #expect(throws: JSONParser.ParseError.self) { try JSONParser.parse(Array("{\"a\":}".utf8)) }
        #expect(throws: JSONParser.ParseError.self) { try JSONParser.parse(Array("[1,]".utf8)) }
        #expect(throws: JSONParser.ParseError.self) { try JSONParser.parse(Array("{} x".utf8)) }
        #expect(throws: JSONParser.ParseError.tooDeep) {
            try JSONParser.parse(Array(String(repeating: "[", count: 100).utf8))
        }
        #expect(try JSONParser.parse(Array(#""\ud83d\ude00""#.utf8)) == .string("😀"))
    }

    @Test func propertiesRoundTripThroughJSON() throws {
        var properties = MessageProperties(
            contentType: "application/json", deliveryMode: 2, correlationID: "c", messageID: "m")
        properties.headers = ["tenant": .string("acme"), "n": .int64(7)]
        #expect(try MessageProperties(json: properties.json) == properties)
        #expect(throws: HTTPAPIError.self) { try MessageProperties(json: .object([("delivery_mode", .string("x"))])) }
    }

    @Test func basicAuthorizationParses() {
        #expect(
            BasicAuthorization(headerValue: "Basic Z3Vlc3Q6Z3Vlc3Q=")
                == BasicAuthorization(username: "guest", password: "guest"))
        #expect(BasicAuthorization(headerValue: "basic dTpwOnc=") == BasicAuthorization(username: "u", password: "p:w"))
        #expect(BasicAuthorization(headerValue: "Bearer abc") == nil)
        #expect(BasicAuthorization(headerValue: "Basic !!!") == nil)
        #expect(BasicAuthorization(headerValue: "Basic bm9jb2xvbg==") == nil)
    }

    @Test func base64RoundTrips() {
        for length in 0..<8 {
            let bytes = (0..<length).map { UInt8($0 * 37 & 0xFF) }
            #expect(Base64.decode(Base64.encode(bytes)) == bytes)
        }
        #expect(Base64.encode(Array("hello".utf8)) == "aGVsbG8=")
        #expect(Base64.decode("aGVsbG8") == nil)
        #expect(Base64.decode("a=Vs") == nil)
    }

    @Test(arguments: [
        (BrokerError.Kind.notFound, 404), (.accessRefused, 403), (.notAllowed, 403), (.resourceLocked, 423),
        (.preconditionFailed, 400), (.commandInvalid, 400), (.notImplemented, 501), (.resourceError, 503),
        (.internalError, 500),
    ])
    func brokerErrorsMapToStatuses(kind: BrokerError.Kind, status: Int) {
        let error = HTTPAPIError(BrokerError(kind, "detail"))
        #expect(Int(error.status.code) == status)
        #expect(error.reason == "detail")
    }

    @Test func rawPublishHeadersBecomeProperties() throws {
        let headers: HTTPHeaders = [
            "Content-Type": "application/json", "X-Message-Id": "m1", "X-Correlation-Id": "c1", "X-Reply-To": "r",
            "X-Expiration": "60000", "X-Persistent": "true", "X-Header-Tenant": "acme",
        ]
        let properties = try HTTPMessageHeaders.properties(from: headers)
        #expect(properties.contentType == "application/json")
        #expect(properties.messageID == "m1")
        #expect(properties.correlationID == "c1")
        #expect(properties.replyTo == "r")
        #expect(properties.expiration == "60000")
        #expect(properties.deliveryMode == 2)
        #expect(properties.headers?["tenant"] == .string("acme"))
        #expect(throws: HTTPAPIError.self) { try HTTPMessageHeaders.properties(from: ["X-Expiration": "soon"]) }
    }
}
