import Benchmark
import BenchmarkSupport
import JunctionAMQPCodec
import JunctionModel
import NIOCore

/// AMQP 0-9-1 codec: the frames of one published message in (decode), one delivery out (encode).
/// One operation is one whole message: three frames.
let benchmarks: @Sendable () -> Void = {
    JunctionBenchmarkConfiguration.apply()
    let count = JunctionBenchmarkConfiguration.scalingFactor.rawValue

    // amqp-tools (rabbitmq-c): content-type and delivery-mode only. pika: every basic property and a
    // headers table with nested values.
    let clients = [
        ("amqp-tools, 2 properties", "rabbitmq-c-publish-basic-publish"),
        ("pika, 13 properties + headers table", "pika-basic-publish"),
    ]
    var encodeCases: [(label: String, properties: MessageProperties)] = []
    for (label, prefix) in clients {
        let frames = ["", "-header", "-body"].map { ProtocolVectors.load("amqp-0-9-1/\(prefix)\($0).hex") }
        let input = ProtocolVectors.burst(of: frames, count: count)
        Benchmark("AMQP decode basic.publish + header + body (\(label))") { benchmark in
            var decoder = AMQPFrameDecoder(maxFrameSize: 131_072)
            var buffer = input
            for _ in benchmark.scaledIterations {
                for _ in 0..<3 {
                    blackHole(try! decoder.decode(buffer: &buffer)!)
                }
            }
            precondition(buffer.readableBytes == 0)
        }

        // The same properties, written the way AMQPChannelSession writes a delivery (`writeAMQPDelivery`).
        var headerFrame = frames[1]
        var headerDecoder = AMQPFrameDecoder(maxFrameSize: 0)
        guard case .header(_, let header) = try! headerDecoder.decode(buffer: &headerFrame) else {
            fatalError("not a content header frame: \(prefix)")
        }
        encodeCases.append((label, header.properties))
    }
    // Delivery mode only (what junction-bench and many publishers send): the content header takes the raw path too.
    encodeCases.append(("delivery mode only", MessageProperties(deliveryMode: 2)))

    let consumerTag = "amq.ctag-Xr0aRqLhs8rCwe5c7VTRIw"
    for (label, properties) in encodeCases {
        let message = Message(
            exchange: "amq.direct",
            routingKey: "orders.eu.created",
            properties: properties,
            body: ByteBuffer(repeating: 0x61, count: 128)
        )
        Benchmark("AMQP encode basic.deliver + header + body (\(label))") { benchmark in
            var output = ByteBuffer()
            output.reserveCapacity(count * 512)
            benchmark.startMeasurement()
            var deliveryTag: UInt64 = 0
            for _ in benchmark.scaledIterations {
                deliveryTag += 1
                output.writeAMQPDelivery(
                    channel: 1, consumerTag: consumerTag, deliveryTag: deliveryTag, redelivered: false,
                    exchange: message.exchange, routingKey: message.routingKey, properties: message.properties,
                    body: message.body, frameMax: 131_072)
            }
            benchmark.stopMeasurement()
            blackHole(output)
        }
    }
}
