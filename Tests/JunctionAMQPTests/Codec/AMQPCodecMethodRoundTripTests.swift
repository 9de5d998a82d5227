import JunctionAMQP
import JunctionAMQPCodec
import JunctionCore
import JunctionCoreTestSupport
import JunctionModel
import NIOCore
import Testing

@Suite struct AMQPCodecMethodRoundTripTests {
    static let arguments: FieldTable = [
        "x-match": .string("all"), "n": .int32(-7), "nested": .table(["b": .boolean(true)]),
    ]

    /// One value of every method, with non-default arguments so a dropped or swapped field shows.
    static let allMethods: [AMQPMethod] = [
        .connectionStart(
            AMQPConnectionStart(
                versionMajor: 0, versionMinor: 9, serverProperties: ["product": .string("Junction")],
                mechanisms: "PLAIN AMQPLAIN", locales: "en_US")),
        .connectionStartOk(
            AMQPConnectionStartOk(
                clientProperties: ["product": .string("test")], mechanism: "PLAIN", response: [0, 0x67, 0, 0x67],
                locale: "en_US")),
        .connectionSecure(challenge: [1, 2, 3]),
        .connectionSecureOk(response: [4, 5]),
        .connectionTune(AMQPConnectionTune(channelMax: 2047, frameMax: 131072, heartbeat: 60)),
        .connectionTuneOk(AMQPConnectionTuneOk(channelMax: 100, frameMax: 4096, heartbeat: 0)),
        .connectionOpen(AMQPConnectionOpen(virtualHost: "/prod")),
        .connectionOpenOk,
        .connectionClose(
            AMQPConnectionClose(replyCode: 320, replyText: "CONNECTION_FORCED", classID: 50, methodID: 10)),
        .connectionCloseOk,
        .connectionBlocked(AMQPConnectionBlocked(reason: "low on memory")),
        .connectionUnblocked,
        .connectionUpdateSecret(AMQPConnectionUpdateSecret(newSecret: [9, 8, 7], reason: "rotation")),
        .connectionUpdateSecretOk,
        .channelOpen,
        .channelOpenOk,
        .channelFlow(AMQPChannelFlow(active: true)),
        .channelFlowOk(active: true),
        .channelClose(
            AMQPChannelClose(replyCode: 404, replyText: "NOT_FOUND - no queue 'q'", classID: 50, methodID: 10)),
        .channelCloseOk,
        .exchangeDeclare(
            AMQPExchangeDeclare(
                exchange: "x", type: "headers", passive: false, durable: true, autoDelete: false, internal: true,
                noWait: true, arguments: Self.arguments)),
        .exchangeDeclareOk,
        .exchangeDelete(AMQPExchangeDelete(exchange: "x", ifUnused: false, noWait: true)),
        .exchangeDeleteOk,
        .exchangeBind(
            AMQPExchangeBind(
                destination: "d", source: "s", routingKey: "a.*", noWait: true, arguments: Self.arguments)),
        .exchangeBindOk,
        .exchangeUnbind(
            AMQPExchangeUnbind(destination: "d", source: "s", routingKey: "#", noWait: false, arguments: [:])),
        .exchangeUnbindOk,
        .queueDeclare(
            AMQPQueueDeclare(
                queue: "q", passive: true, durable: false, exclusive: true, autoDelete: false, noWait: true,
                arguments: Self.arguments)),
        .queueDeclareOk(AMQPQueueDeclareOk(queue: "amq.gen-1", messageCount: 12, consumerCount: 3)),
        .queueBind(AMQPQueueBind(queue: "q", exchange: "x", routingKey: "k", noWait: true, arguments: Self.arguments)),
        .queueBindOk,
        .queuePurge(AMQPQueuePurge(queue: "q", noWait: true)),
        .queuePurgeOk(messageCount: 42),
        .queueDelete(AMQPQueueDelete(queue: "q", ifUnused: false, ifEmpty: true, noWait: false)),
        .queueDeleteOk(messageCount: 7),
        .queueUnbind(AMQPQueueUnbind(queue: "q", exchange: "x", routingKey: "k", arguments: Self.arguments)),
        .queueUnbindOk,
        .basicQos(AMQPBasicQos(prefetchSize: 0, prefetchCount: 250, global: true)),
        .basicQosOk,
        .basicConsume(
            AMQPBasicConsume(
                queue: "q", consumerTag: "c1", noLocal: false, noAck: true, exclusive: false, noWait: true,
                arguments: ["x-priority": .int32(5)])),
        .basicConsumeOk(consumerTag: "amq.ctag-1"),
        .basicCancel(AMQPBasicCancel(consumerTag: "c1", noWait: true)),
        .basicCancelOk(consumerTag: "c1"),
        .basicPublish(AMQPBasicPublish(exchange: "x", routingKey: "k", mandatory: true, immediate: false)),
        .basicReturn(AMQPBasicReturn(replyCode: 312, replyText: "NO_ROUTE", exchange: "x", routingKey: "k")),
        .basicDeliver(
            AMQPBasicDeliver(
                consumerTag: "c1", deliveryTag: 1 << 40, redelivered: true, exchange: "x", routingKey: "k")),
        .basicGet(AMQPBasicGet(queue: "q", noAck: true)),
        .basicGetOk(AMQPBasicGetOk(deliveryTag: 3, redelivered: false, exchange: "", routingKey: "q", messageCount: 9)),
        .basicGetEmpty,
        .basicAck(AMQPBasicAck(deliveryTag: 77, multiple: true)),
        .basicReject(AMQPBasicReject(deliveryTag: 78, requeue: false)),
        .basicRecoverAsync(requeue: true),
        .basicRecover(requeue: true),
        .basicRecoverOk,
        .basicNack(AMQPBasicNack(deliveryTag: 79, multiple: false, requeue: true)),
        .confirmSelect(noWait: true),
        .confirmSelectOk,
        .txSelect,
        .txSelectOk,
        .txCommit,
        .txCommitOk,
        .txRollback,
        .txRollbackOk,
    ]

    @Test func listsEveryMethodOnce() {
        let ids = Set(Self.allMethods.map { [$0.classID, $0.methodID] })
        #expect(ids.count == Self.allMethods.count)
        #expect(ids.count == 64)
    }

    @Test(arguments: Self.allMethods)
    func methodSurvivesEncodeThenDecode(_ method: AMQPMethod) throws {
        var buffer = ByteBuffer()
        buffer.writeAMQPMethodFrame(channel: 5, method: method)
        // Class and method ids are on the wire where §4.2.4 puts them.
        #expect(buffer.getInteger(at: 7, as: UInt16.self) == method.classID)
        #expect(buffer.getInteger(at: 9, as: UInt16.self) == method.methodID)
        var decoder = AMQPFrameDecoder(maxFrameSize: 131072)
        #expect(try decoder.decode(buffer: &buffer) == .method(5, method))
        #expect(buffer.readableBytes == 0)
    }

    @Test(arguments: [true, false])
    func bitFieldsSurviveEachValue(_ flag: Bool) throws {
        let methods: [AMQPMethod] = [
            .queueDeclare(
                AMQPQueueDeclare(
                    queue: "q", passive: flag, durable: !flag, exclusive: flag, autoDelete: !flag, noWait: flag)),
            .exchangeDeclare(
                AMQPExchangeDeclare(
                    exchange: "x", type: "direct", passive: !flag, durable: flag, autoDelete: !flag, internal: flag,
                    noWait: !flag)),
            .basicConsume(AMQPBasicConsume(queue: "q", noLocal: flag, noAck: !flag, exclusive: flag, noWait: !flag)),
            .queueDelete(AMQPQueueDelete(queue: "q", ifUnused: flag, ifEmpty: !flag, noWait: flag)),
            .basicNack(AMQPBasicNack(deliveryTag: 1, multiple: flag, requeue: !flag)),
            .basicPublish(AMQPBasicPublish(exchange: "", routingKey: "q", mandatory: !flag, immediate: flag)),
        ]
        var decoder = AMQPFrameDecoder(maxFrameSize: 0)
        for method in methods {
            var buffer = ByteBuffer()
            buffer.writeAMQPMethodFrame(channel: 1, method: method)
            #expect(try decoder.decode(buffer: &buffer) == .method(1, method))
        }
    }

    @Test func hasContentOnlyForPublishReturnDeliverGetOk() {
        let withContent = Self.allMethods.filter(\.hasContent).map { [$0.classID, $0.methodID] }
        #expect(withContent == [[60, 40], [60, 50], [60, 60], [60, 71]])
    }

    @Test func deliverHotPathWritesTheSameBytesAsTheEnum() {
        var viaEnum = ByteBuffer()
        viaEnum.writeAMQPMethodFrame(
            channel: 3,
            method: .basicDeliver(
                AMQPBasicDeliver(consumerTag: "c", deliveryTag: 99, redelivered: true, exchange: "x", routingKey: "k")))
        var direct = ByteBuffer()
        direct.writeAMQPBasicDeliverFrame(
            channel: 3, consumerTag: "c", deliveryTag: 99, redelivered: true, exchange: "x", routingKey: "k")
        #expect(viaEnum == direct)
    }
}
