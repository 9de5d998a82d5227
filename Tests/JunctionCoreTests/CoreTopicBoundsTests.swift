import JunctionCoreTestSupport
import JunctionModel
import NIOCore
import Testing

@testable import JunctionCore

/// What one publish may cost to match: linear in the routing key's words, and a word limit on keys.
@Suite struct CoreTopicBoundsTests {
    static func key(words: Int, word: String = "w") -> String {
        Array(repeating: word, count: words).joined(separator: ".")
    }

    /// The pattern from the issue: 16 `#` and a 127-word key took the old backtracking matcher
    /// C(143, 16) steps; now it is one active node per word.
    @Test func repeatedHashCollapsesAndMatchesInLinearSteps() {
        let trie = TopicTrie()
        let queue = BindingDestination.exchange(Self.exchange())
        trie.insert(Self.key(words: 16, word: "#"), queue)
        var matched = 0
        trie.match(TopicTrie.words(Self.key(words: 127))) { _ in matched += 1 }
        #expect(matched == 1)
        #expect(trie.lastMatchActivations <= 2 * 128)
    }

    /// `#` separated by `*` cannot collapse; the walk still visits each (node, word) pair at most once.
    @Test func alternatingHashAndStarStaysQuadraticInTheBindingAtWorst() {
        let trie = TopicTrie()
        let queue = BindingDestination.exchange(Self.exchange())
        let pattern = Array(repeating: "#.*", count: 20).joined(separator: ".") + ".end"
        trie.insert(pattern, queue)
        var matched = 0
        let words = TopicTrie.words(Self.key(words: 200))
        trie.match(words) { _ in matched += 1 }
        #expect(matched == 0)
        // 42 nodes in the binding's path, 201 steps: never more than their product.
        #expect(trie.lastMatchActivations <= 42 * 201)
        let doubled = TopicTrie.words(Self.key(words: 400))
        trie.match(doubled) { _ in matched += 1 }
        #expect(trie.lastMatchActivations <= 42 * 401)
    }

    @Test func collapsedBindingIsRemovedByItsOwnKey() {
        let trie = TopicTrie()
        let queue = BindingDestination.exchange(Self.exchange())
        trie.insert("a.#.#.#.b", queue)
        #expect(TopicTrie.bindingWords("a.#.#.#.b") == ["a", "#", "b"])
        #expect(trie.remove("a.#.#.#.b", queue))
        #expect(trie.isEmpty)
    }

    @Test func hashRunsMatchLikeOneHash() {
        let trie = TopicTrie()
        let queue = BindingDestination.exchange(Self.exchange())
        trie.insert("#.#.x.#.#", queue)
        for (key, expected) in [("x", true), ("a.x", true), ("x.b.c", true), ("a.b", false), ("", false)] {
            var matched = false
            trie.match(TopicTrie.words(key)) { _ in matched = true }
            #expect(matched == expected, "\(key)")
        }
    }

    @Test func bindingKeyOverTheWordLimitIsRefused() throws {
        var configuration = BrokerConfiguration()
        configuration.maxTopicWords = 8
        let fixture = CoreFixture(configuration: configuration)
        try fixture.declareQueue("q")
        try fixture.bind("q", "amq.topic", Self.key(words: 8))
        #expect(throws: BrokerError.self) { try fixture.bind("q", "amq.topic", Self.key(words: 9)) }
        do {
            try fixture.bind("q", "amq.topic", Self.key(words: 9, word: "#"))
            Issue.record("a 9-word binding key was accepted")
        } catch {
            #expect(error.kind == .preconditionFailed)
        }
    }

    @Test func routingKeyOverTheWordLimitIsRefused() throws {
        let fixture = CoreFixture()
        try fixture.declareQueue("q")
        try fixture.bind("q", "amq.topic", "#")
        #expect(try fixture.publish("amq.topic", Self.key(words: 256)) == .routed(queueCount: 1))
        do {
            try fixture.publish("amq.topic", Self.key(words: 257))
            Issue.record("a 257-word routing key was accepted")
        } catch {
            #expect(error.kind == .preconditionFailed)
        }
        // Many bytes but few words: not refused.
        #expect(try fixture.publish("amq.topic", String(repeating: "x", count: 4000)) == .routed(queueCount: 1))
    }

    @Test func defaultLimitIs256Words() {
        #expect(BrokerConfiguration().maxTopicWords == 256)
    }

    static func exchange() -> Exchange {
        // Any destination will do; the trie only stores it.
        try! Exchange(
            name: "x", type: .fanout, durable: false, autoDelete: false, internal: false, arguments: [:],
            topicCacheCapacity: 0)
    }
}
