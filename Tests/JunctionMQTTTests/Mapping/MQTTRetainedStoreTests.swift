import JunctionCore
import JunctionCoreTestSupport
import JunctionModel
import NIOCore
import Testing

@testable import JunctionMQTT
@testable import JunctionMQTTCodec

@Suite struct MQTTRetainedStoreTests {
    func retained(_ topic: String) -> MQTTRetainedMessage {
        MQTTRetainedMessage(
            topic: topic, qos: .atLeastOnce,
            message: Message(exchange: "amq.topic", routingKey: topic, body: ByteBuffer(string: topic)))
    }

    @Test func wildcardLookupsWalkTheTrie() {
        let store = InMemoryRetainedStore()
        for topic in ["a/b/c", "a/b/d", "a/x", "a", "$SYS/uptime", "b/b/c", "/lead"] {
            store.retain(self.retained(topic))
        }
        #expect(store.count == 7)
        func topics(_ filter: String) -> Set<String> { Set(store.matching(filter: filter).map(\.topic)) }
        #expect(topics("a/b/c") == ["a/b/c"])
        #expect(topics("a/+/c") == ["a/b/c"])
        #expect(topics("+/b/c") == ["a/b/c", "b/b/c"])
        #expect(topics("a/#") == ["a", "a/b/c", "a/b/d", "a/x"])
        #expect(topics("#") == ["a", "a/b/c", "a/b/d", "a/x", "b/b/c", "/lead"])
        #expect(topics("+") == ["a"])
        #expect(topics("$SYS/#") == ["$SYS/uptime"])
        #expect(topics("+/lead") == ["/lead"])
        #expect(topics("nothing/#").isEmpty)
    }

    @Test func replaceAndRemove() {
        let store = InMemoryRetainedStore()
        store.retain(self.retained("a/b"))
        var newer = self.retained("a/b")
        newer.qos = .exactlyOnce
        store.retain(newer)
        #expect(store.count == 1)
        #expect(store.matching(filter: "a/b").first?.qos == .exactlyOnce)
        store.remove(topic: "a/b")
        store.remove(topic: "never/there")
        #expect(store.count == 0)
        #expect(store.matching(filter: "#").isEmpty)
    }
}
