import JunctionAMQP
import JunctionAMQPCodec
import JunctionCore
import JunctionCoreTestSupport
import JunctionModel
import JunctionTestSupport
import NIOCore
import Testing

/// Frames captured from real clients by `protocols/amqp-0-9-1/vectors/capture.py` decode to exact values.
@Suite struct AMQPCodecVectorTests {
    private func decodeVector(_ name: String) throws -> AMQPFrame? {
        var bytes = try Vectors.load("amqp-0-9-1/\(name).hex")
        var decoder = AMQPFrameDecoder(maxFrameSize: 131072)
        let frame = try decoder.decode(buffer: &bytes)
        #expect(bytes.readableBytes == 0, "\(name) left bytes behind")
        return frame
    }

    private static let guestPlain: [UInt8] = [0] + Array("guest".utf8) + [0] + Array("guest".utf8)

    @Test func vectorsNameTheirClient() throws {
        #expect(try Vectors.comments("amqp-0-9-1/pika-basic-ack.hex").first?.hasPrefix("pika 1.4.4") == true)
        #expect(
            try Vectors.comments("amqp-0-9-1/rabbitmq-c-publish-basic-publish.hex").first?
                .hasPrefix("rabbitmq-c amqp-tools 0.11.0") == true)
    }

    // MARK: - pika 1.4.4

    @Test func decodesPikaStartOk() throws {
        let capabilities: FieldTable = [
            "authentication_failure_close": .boolean(true), "basic.nack": .boolean(true),
            "connection.blocked": .boolean(true), "consumer_cancel_notify": .boolean(true),
            "exchange_exchange_bindings": .boolean(true), "publisher_confirms": .boolean(true),
        ]
        let properties: FieldTable = [
            "product": .string("Pika Python Client Library"), "platform": .string("Python 3.11.7"),
            "capabilities": .table(capabilities), "information": .string("See https://pika.rtfd.org"),
            "version": .string("1.4.4"),
        ]
        let expected = AMQPConnectionStartOk(
            clientProperties: properties, mechanism: "PLAIN", response: Self.guestPlain, locale: "en_US")
        #expect(try self.decodeVector("pika-connection-start-ok") == .method(0, .connectionStartOk(expected)))
    }

    @Test func decodesPikaConnectionSetup() throws {
        #expect(
            try self.decodeVector("pika-connection-tune-ok")
                == .method(
                    0, .connectionTuneOk(AMQPConnectionTuneOk(channelMax: 2047, frameMax: 131072, heartbeat: 60))))
        // pika sets the reserved insist bit; it is ignored.
        #expect(
            try self.decodeVector("pika-connection-open")
                == .method(0, .connectionOpen(AMQPConnectionOpen(virtualHost: "/"))))
        #expect(try self.decodeVector("pika-channel-open") == .method(1, .channelOpen))
    }

    @Test func decodesPikaTopology() throws {
        #expect(
            try self.decodeVector("pika-exchange-declare")
                == .method(1, .exchangeDeclare(AMQPExchangeDeclare(exchange: "orders", type: "topic", durable: true))))
        let arguments: FieldTable = [
            "x-max-length": .int32(1000), "x-dead-letter-exchange": .string("dlx"), "x-message-ttl": .int32(60000),
        ]
        #expect(
            try self.decodeVector("pika-queue-declare")
                == .method(1, .queueDeclare(AMQPQueueDeclare(queue: "orders.eu", durable: true, arguments: arguments))))
        #expect(
            try self.decodeVector("pika-queue-bind")
                == .method(1, .queueBind(AMQPQueueBind(queue: "orders.eu", exchange: "orders", routingKey: "eu.#"))))
    }

    @Test func decodesPikaPublishWithEveryProperty() throws {
        #expect(try self.decodeVector("pika-confirm-select") == .method(1, .confirmSelect(noWait: false)))
        #expect(
            try self.decodeVector("pika-basic-publish")
                == .method(1, .basicPublish(AMQPBasicPublish(exchange: "orders", routingKey: "eu.de.berlin"))))
        let headers: FieldTable = [
            "x-trace": .string("abc"), "count": .int32(3), "nested": .table(["flag": .boolean(true)]),
            "list": .array([.int32(1), .string("two")]),
        ]
        let properties = MessageProperties(
            contentType: "application/json", contentEncoding: "utf-8", headers: headers, deliveryMode: 2, priority: 5,
            correlationID: "c-1", replyTo: "replies", expiration: "60000", messageID: "m-1", timestamp: 1_700_000_000,
            type: "order.created", userID: "guest", appID: "capture")
        #expect(
            try self.decodeVector("pika-basic-publish-header")
                == .header(1, AMQPContentHeader(classID: 60, weight: 0, bodySize: 12, properties: properties)))
        #expect(try self.decodeVector("pika-basic-publish-body") == .body(1, ByteBuffer(string: "hello, world")))
    }

    @Test func decodesPikaConsumerMethods() throws {
        #expect(
            try self.decodeVector("pika-basic-qos")
                == .method(1, .basicQos(AMQPBasicQos(prefetchSize: 0, prefetchCount: 50, global: false))))
        #expect(
            try self.decodeVector("pika-basic-consume")
                == .method(1, .basicConsume(AMQPBasicConsume(queue: "orders.eu", consumerTag: "ctag-1"))))
        #expect(
            try self.decodeVector("pika-basic-ack")
                == .method(1, .basicAck(AMQPBasicAck(deliveryTag: 7, multiple: true))))
        #expect(
            try self.decodeVector("pika-basic-nack")
                == .method(1, .basicNack(AMQPBasicNack(deliveryTag: 9, multiple: false, requeue: false))))
        #expect(
            try self.decodeVector("pika-basic-cancel")
                == .method(1, .basicCancel(AMQPBasicCancel(consumerTag: "ctag-1", noWait: false))))
    }

    @Test func decodesPikaShutdown() throws {
        #expect(
            // pika closes channels with reply code 0.
            try self.decodeVector("pika-channel-close")
                == .method(1, .channelClose(AMQPChannelClose(replyCode: 0, replyText: "Normal shutdown"))))
        #expect(
            try self.decodeVector("pika-connection-close")
                == .method(0, .connectionClose(AMQPConnectionClose(replyCode: 200, replyText: "Normal shutdown"))))
    }

    // MARK: - rabbitmq-c 0.11.0 (amqp-tools)

    @Test func decodesRabbitMQCStartOk() throws {
        let properties: FieldTable = [
            "product": .string("rabbitmq-c"), "version": .string("0.11.0"), "platform": .string("Linux"),
            "copyright": .string("Copyright (c) 2007-2014 VMWare Inc, Tony Garnock-Jones, and Alan Antonuk."),
            "information": .string("See https://github.com/alanxz/rabbitmq-c"),
            "capabilities": .table([
                "authentication_failure_close": .boolean(true), "exchange_exchange_bindings": .boolean(true),
            ]),
        ]
        let expected = AMQPConnectionStartOk(
            clientProperties: properties, mechanism: "PLAIN", response: Self.guestPlain, locale: "en_US")
        #expect(
            try self.decodeVector("rabbitmq-c-publish-connection-start-ok") == .method(0, .connectionStartOk(expected)))
        #expect(
            try self.decodeVector("rabbitmq-c-publish-connection-tune-ok")
                == .method(0, .connectionTuneOk(AMQPConnectionTuneOk(channelMax: 2047, frameMax: 131072, heartbeat: 0)))
        )
    }

    @Test func decodesRabbitMQCPublish() throws {
        #expect(
            try self.decodeVector("rabbitmq-c-publish-basic-publish")
                == .method(1, .basicPublish(AMQPBasicPublish(exchange: "amq.direct", routingKey: "jobs"))))
        let properties = MessageProperties(contentType: "text/plain", deliveryMode: 2)
        #expect(
            try self.decodeVector("rabbitmq-c-publish-basic-publish-header")
                == .header(1, AMQPContentHeader(bodySize: 5, properties: properties)))
        #expect(try self.decodeVector("rabbitmq-c-publish-basic-publish-body") == .body(1, ByteBuffer(string: "job 1")))
        #expect(
            try self.decodeVector("rabbitmq-c-publish-channel-close")
                == .method(1, .channelClose(AMQPChannelClose(replyCode: 200, replyText: "200"))))
    }

    @Test func decodesRabbitMQCDeclareQueue() throws {
        #expect(
            try self.decodeVector("rabbitmq-c-declare-queue-queue-declare")
                == .method(1, .queueDeclare(AMQPQueueDeclare(queue: "jobs", durable: true))))
        #expect(
            try self.decodeVector("rabbitmq-c-declare-queue-connection-close")
                == .method(0, .connectionClose(AMQPConnectionClose(replyCode: 200, replyText: "200"))))
    }
}
