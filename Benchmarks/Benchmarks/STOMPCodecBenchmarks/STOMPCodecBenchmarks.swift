import Benchmark
import BenchmarkSupport
import JunctionModel
import JunctionSTOMP
import JunctionSTOMPCodec
import NIOCore

/// STOMP codec: SEND in (frame decode, then the headers-to-properties mapping the handler applies),
/// MESSAGE out (written straight into the output buffer, as deliveries are). One operation is one frame.
let benchmarks: @Sendable () -> Void = {
    JunctionBenchmarkConfiguration.apply()
    let count = JunctionBenchmarkConfiguration.scalingFactor.rawValue

    // stomp.py 9.0.0, STOMP 1.2: content-length, content-type, destination:/queue/a, a 10-byte body.
    let input = ProtocolVectors.burst(of: [ProtocolVectors.load("stomp/stomppy-1.2-send2.hex")], count: count)
    Benchmark("STOMP decode SEND (stomp.py 1.2, 3 headers)") { benchmark in
        var decoder = STOMPFrameDecoder(version: .v1_2)
        var buffer = input
        for _ in benchmark.scaledIterations {
            blackHole(try! decoder.decode(buffer: &buffer)!)
        }
        precondition(buffer.readableBytes == 0)
    }

    Benchmark("STOMP decode SEND + map headers to properties (stomp.py 1.2)") { benchmark in
        var decoder = STOMPFrameDecoder(version: .v1_2)
        var buffer = input
        for _ in benchmark.scaledIterations {
            guard case .frame(let frame) = try! decoder.decode(buffer: &buffer)! else { fatalError("not a frame") }
            blackHole(try! STOMPMessageMapping.properties(from: frame.headers))
        }
        precondition(buffer.readableBytes == 0)
    }

    let message = Message(
        exchange: "",
        routingKey: "a",
        properties: MessageProperties(contentType: "application/octet-stream", deliveryMode: 2),
        body: ByteBuffer(repeating: 0x61, count: 128)
    )
    // The ack id STOMPConnectionHandler makes per delivery is built outside the loop: this measures
    // the codec, not the id.
    let messageID = "T_sub-0@@session-9cfc8c6d@@1"
    Benchmark("STOMP encode MESSAGE (1.2, content-type, persistent, 128 B)") { benchmark in
        var output = ByteBuffer()
        output.reserveCapacity(count * 512)
        benchmark.startMeasurement()
        for _ in benchmark.scaledIterations {
            STOMPMessageMapping.writeMessage(
                into: &output,
                message: message,
                destination: "/queue/a",
                subscription: "sub-0",
                messageID: messageID,
                ackID: messageID,
                redelivered: false,
                version: .v1_2
            )
        }
        benchmark.stopMeasurement()
        blackHole(output)
    }
}
