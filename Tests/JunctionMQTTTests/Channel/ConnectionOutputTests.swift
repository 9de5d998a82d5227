import JunctionCore
import JunctionTransport
import NIOCore
import NIOEmbedded
import Testing

/// (JunctionCore's ConnectionOutput, tested here where NIOEmbedded is at hand.) An idle connection holds no output buffer; the first write after a flush reserves the last burst's size.
@Suite struct ConnectionOutputTests {
    final class Attach: ChannelInboundHandler {
        typealias InboundIn = ByteBuffer
        let output: ConnectionOutput
        init(_ output: ConnectionOutput) { self.output = output }
        func handlerAdded(context: ChannelHandlerContext) { self.output.attach(context) }
    }

    @Test func nothingIsHeldBetweenFlushes() throws {
        let output = ConnectionOutput(minimumCapacity: 1024)
        let channel = EmbeddedChannel()
        try channel.pipeline.syncOperations.addHandler(Attach(output))
        #expect(output.buffer.capacity == 0)
        output.buffer.writeString("hello")
        #expect(output.buffer.capacity >= 1024)
        #expect(output.flush())
        #expect(output.buffer.capacity == 0)
        #expect(try channel.readOutbound(as: ByteBuffer.self) == ByteBuffer(string: "hello"))
        // A large burst: the next one starts with its size, reserved at the first write.
        output.buffer.writeRepeatingByte(1, count: 5000)
        #expect(output.flush())
        #expect(output.buffer.capacity == 0)
        output.buffer.writeInteger(UInt8(2))
        #expect(output.buffer.capacity >= 5000)
        _ = try channel.finish()
    }
}
