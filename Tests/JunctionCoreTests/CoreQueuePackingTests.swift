import JunctionCore
import JunctionCoreTestSupport
import JunctionModel
import Logging
import NIOCore
import Testing

/// Waiting bodies are packed into shared slabs; their bytes and order must not change.
@Suite struct CoreQueuePackingTests {
    func body(_ index: Int, size: Int, capacity: Int? = nil) -> ByteBuffer {
        // Each body in a buffer of its own twice its size, as one small read per message would leave it.
        var buffer = ByteBufferAllocator().buffer(capacity: capacity ?? 2 * size)
        let text = "message-\(index)-"
        buffer.writeString(String(repeating: text, count: size / text.utf8.count + 1).prefix(size).description)
        return buffer
    }

    @Test func packedBodiesKeepTheirBytesAndOrder() throws {
        let fixture = CoreFixture()
        try fixture.declareQueue("q")
        let host = fixture.vhost
        var sent: [ByteBuffer] = []
        for index in 0..<300 {
            let body = self.body(index, size: 1000 + index % 7)
            sent.append(body)
            _ = try host.publish(Message(exchange: "", routingKey: "q", body: body))
        }
        // A large body breaks the run of small ones; it is left as it is.
        let large = self.body(999, size: 40_000)
        _ = try host.publish(Message(exchange: "", routingKey: "q", body: large))
        sent.append(large)
        var received: [ByteBuffer] = []
        while let (delivery, _) = try host.get(queue: "q", noAck: true, owner: CoreFixture.owner) {
            received.append(delivery.message.body)
        }
        #expect(received == sent)
    }

    @Test func bodiesOfOneSlabShareStorage() throws {
        let fixture = CoreFixture()
        try fixture.declareQueue("q")
        let host = fixture.vhost
        for index in 0..<130 {
            _ = try host.publish(Message(exchange: "", routingKey: "q", body: self.body(index, size: 1024)))
        }
        // The first 64 bodies filled a 64 KiB slab and were packed into it when the 65th arrived.
        let (first, _) = try #require(try host.get(queue: "q", noAck: true, owner: CoreFixture.owner))
        #expect(first.message.body.storageCapacity == 64 * 1024)
        #expect(first.message.body.readableBytes == 1024)
    }

    /// A body that fills its own buffer (an SQS body is decoded into one of its size) is not copied: packing
    /// it would save no memory.
    @Test func bodiesThatFillTheirBuffersAreLeftInPlace() throws {
        let fixture = CoreFixture()
        try fixture.declareQueue("q")
        let host = fixture.vhost
        var sent: [ByteBuffer] = []
        for index in 0..<130 {
            let body = self.body(index, size: 1024, capacity: 1024)
            sent.append(body)
            _ = try host.publish(Message(exchange: "", routingKey: "q", body: body))
        }
        var received: [ByteBuffer] = []
        while let (delivery, _) = try host.get(queue: "q", noAck: true, owner: CoreFixture.owner) {
            #expect(delivery.message.body.storageCapacity == 1024)
            received.append(delivery.message.body)
        }
        #expect(received == sent)
    }

    @Test func drainingAndPurgingWhileATailIsUnpackedIsSafe() throws {
        let fixture = CoreFixture()
        try fixture.declareQueue("q")
        let host = fixture.vhost
        for index in 0..<10 {
            _ = try host.publish(Message(exchange: "", routingKey: "q", body: self.body(index, size: 500)))
        }
        for _ in 0..<10 {
            _ = try host.get(queue: "q", noAck: true, owner: CoreFixture.owner)
        }
        for index in 0..<200 {
            _ = try host.publish(Message(exchange: "", routingKey: "q", body: self.body(index, size: 700)))
        }
        #expect(try host.purgeQueue("q", owner: CoreFixture.owner) == 200)
        let body = self.body(7, size: 300)
        _ = try host.publish(Message(exchange: "", routingKey: "q", body: body))
        let (delivery, _) = try #require(try host.get(queue: "q", noAck: true, owner: CoreFixture.owner))
        #expect(delivery.message.body == body)
    }
}
