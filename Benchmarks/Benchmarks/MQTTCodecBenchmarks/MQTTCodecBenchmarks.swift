import Benchmark
import BenchmarkSupport
import JunctionMQTT
import JunctionMQTTCodec
import JunctionModel
import NIOCore

/// MQTT codec: PUBLISH in (framing and packet decode, as MQTTConnectionHandler does), PUBLISH out
/// (encode, and the delivery path: message mapping, then encode). One operation is one packet.
let benchmarks: @Sendable () -> Void = {
    JunctionBenchmarkConfiguration.apply()
    let count = JunctionBenchmarkConfiguration.scalingFactor.rawValue

    // paho-mqtt 2.2.0, topic "sensors/kitchen/temp" (20 bytes), payload "21.5".
    let captures: [(label: String, file: String, version: MQTTProtocolVersion)] = [
        ("QoS 0, 3.1.1", "paho-v311-publish.hex", .v311),
        ("QoS 1, 3.1.1", "paho-v311-publish-2.hex", .v311),
        ("QoS 1, 5.0 with 7 properties", "paho-v5-publish.hex", .v5),
    ]
    for capture in captures {
        let input = ProtocolVectors.burst(of: [ProtocolVectors.load("mqtt/\(capture.file)")], count: count)
        Benchmark("MQTT decode PUBLISH (\(capture.label))") { benchmark in
            let framer = MQTTPacketDecoder(maximumPacketSize: 1_048_576)
            var buffer = input
            // The connection's topic cache, as MQTTConnectionHandler decodes.
            var topics = RepeatedStringCache()
            for _ in benchmark.scaledIterations {
                let raw = try! framer.decodePacket(buffer: &buffer)!
                blackHole(try! MQTTPacket.decode(raw, version: capture.version, topics: &topics))
            }
            precondition(buffer.readableBytes == 0)
        }
    }

    let message = Message(
        exchange: "amq.topic",
        routingKey: "sensors.kitchen.temp",
        properties: MessageProperties(deliveryMode: 2),
        body: ByteBuffer(string: "21.5")
    )
    for qos in [MQTTQoS.atMostOnce, .atLeastOnce] {
        var publish = MQTTMessageMapping.publish(from: message, qos: qos, retain: false, version: .v311)
        Benchmark("MQTT encode PUBLISH (QoS \(qos.rawValue), 3.1.1)") { benchmark in
            var output = ByteBuffer()
            output.reserveCapacity(count * 64)
            benchmark.startMeasurement()
            var packetID: UInt16 = 0
            for _ in benchmark.scaledIterations {
                if qos != .atMostOnce {
                    packetID = packetID == UInt16.max ? 1 : packetID + 1
                    publish.packetID = MQTTPacketID(packetID)
                }
                output.writeMQTTPacket(.publish(publish), version: .v311)
            }
            benchmark.stopMeasurement()
            blackHole(output)
        }
    }

    // What a delivery costs before the session state machine: routing key to topic, message to
    // PUBLISH, then the bytes.
    Benchmark("MQTT map message + encode PUBLISH (QoS 1, 3.1.1)") { benchmark in
        var output = ByteBuffer()
        output.reserveCapacity(count * 64)
        benchmark.startMeasurement()
        var packetID: UInt16 = 0
        // The connection's routing key → topic cache, as MQTTConnectionHandler.deliver maps.
        var topics = RepeatedMapping { MQTTTopic.topic(forRoutingKey: $0) }
        for _ in benchmark.scaledIterations {
            packetID = packetID == UInt16.max ? 1 : packetID + 1
            var publish = MQTTMessageMapping.publish(
                from: message, qos: .atLeastOnce, retain: false, version: .v311, topic: topics.map(message.routingKey))
            publish.packetID = MQTTPacketID(packetID)
            output.writeMQTTPacket(.publish(publish), version: .v311)
        }
        benchmark.stopMeasurement()
        blackHole(output)
    }
}
