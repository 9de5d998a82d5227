import JunctionCore
import JunctionCoreTestSupport
import JunctionModel
import NIOCore
import Testing

/// Direct reply-to in the engine: a publish to the default exchange with a live reply address goes
/// straight to its consumer; once unregistered the address is unroutable.
@Suite struct CoreDirectReplyToTests {
    final class Requester: DirectReplyConsumer {
        var replies: [String] = []
        func deliverReply(_ message: Message) { self.replies.append(String(buffer: message.body)) }
    }

    @Test func repliesGoStraightToTheRequesterUntilItLeaves() throws {
        let fixture = CoreFixture()
        let requester = Requester()
        let address = fixture.vhost.registerReplyConsumer(requester)
        #expect(address.hasPrefix("amq.rabbitmq.reply-to."))
        #expect(try fixture.publish("", address, "answer") == .routed(queueCount: 1))
        #expect(requester.replies == ["answer"])
        #expect(try fixture.publish("", address + "x", "stray") == .unroutable)
        #expect(try fixture.publish("amq.direct", address, "elsewhere") == .unroutable)
        fixture.vhost.unregisterReplyConsumer(address: address)
        #expect(try fixture.publish("", address, "late") == .unroutable)
        #expect(requester.replies == ["answer"])
    }

    @Test func eachRequesterHasItsOwnAddress() {
        let fixture = CoreFixture()
        let first = fixture.vhost.registerReplyConsumer(Requester())
        let second = fixture.vhost.registerReplyConsumer(Requester())
        #expect(first != second)
    }
}
