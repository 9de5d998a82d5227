import JunctionCore
import JunctionCoreTestSupport
import JunctionModel
import NIOCore
import PropertyBased
import Testing

/// The topic exchange against a naive reference matcher: random bindings of several queues (bound and unbound
/// again, so the router's caches must follow), then routing keys; each publish must reach exactly the queues
/// whose remaining bindings the reference says match.
@Suite struct CoreTopicRouterPropertyTests {
    /// Words that collide often: literal words, the empty word, and the two wildcards.
    static let bindingWords = ["a", "b", "", "*", "#"]
    static let keyWords = ["a", "b", "", "c"]

    enum Step: Sendable {
        case bind(queue: Int, key: String)
        case unbind(queue: Int, key: String)
        case publish(key: String)
    }

    static let steps = Generator<[Step], Shrink.None<[Step]>> { rng in
        func key(_ words: [String], _ rng: inout any SeededRandomNumberGenerator) -> String {
            (0..<Int.random(in: 0...4, using: &rng)).map { _ in words.randomElement(using: &rng)! }.joined(
                separator: ".")
        }
        var bound: [(queue: Int, key: String)] = []
        return (0..<Int.random(in: 1...40, using: &rng)).map { _ -> Step in
            switch Int.random(in: 0..<10, using: &rng) {
            case 0..<4:
                let binding = (queue: Int.random(in: 0..<3, using: &rng), key: key(Self.bindingWords, &rng))
                bound.append(binding)
                return .bind(queue: binding.queue, key: binding.key)
            case 4 where !bound.isEmpty:
                let binding = bound.remove(at: Int.random(in: 0..<bound.count, using: &rng))
                return .unbind(queue: binding.queue, key: binding.key)
            default:
                return .publish(key: key(Self.keyWords, &rng))
            }
        }
    }

    @Test func topicRoutingMatchesTheReferenceMatcher() async throws {
        await propertyCheck(count: 300, input: Self.steps) { steps in
            let fixture = CoreFixture()
            let queues = ["q0", "q1", "q2"]
            for queue in queues { _ = try? fixture.declareQueue(queue) }
            var bindings: [Set<String>] = [[], [], []]
            for step in steps {
                switch step {
                case .bind(let queue, let key):
                    #expect(throws: Never.self) { try fixture.bind(queues[queue], "amq.topic", key) }
                    bindings[queue].insert(key)
                case .unbind(let queue, let key):
                    // Unbinding a binding already gone (a key bound twice is one binding) may be refused.
                    _ = try? fixture.vhost.unbindQueue(
                        queues[queue], exchange: "amq.topic", routingKey: key, arguments: [:], owner: CoreFixture.owner)
                    bindings[queue].remove(key)
                case .publish(let key):
                    let before = queues.map { fixture.vhost.queue(named: $0)?.readyCount ?? -1 }
                    let outcome = try? fixture.publish("amq.topic", key)
                    let reached = queues.indices.filter {
                        (fixture.vhost.queue(named: queues[$0])?.readyCount ?? -1) == before[$0] + 1
                    }
                    let expected = queues.indices.filter { queue in
                        bindings[queue].contains { Self.referenceMatches(binding: $0, routingKey: key) }
                    }
                    #expect(reached == expected, "routing key '\(key)' with bindings \(bindings)")
                    #expect(outcome == (expected.isEmpty ? .unroutable : .routed(queueCount: expected.count)))
                }
            }
        }
    }

    /// AMQP 0-9-1 topic matching, written as plainly as possible: `*` is exactly one word, `#` zero or more.
    /// A key splits into words at every dot (so empty words exist); the empty key has no words.
    static func referenceMatches(binding: String, routingKey: String) -> Bool {
        func words(_ text: String) -> [String] {
            text.isEmpty ? [] : text.split(separator: ".", omittingEmptySubsequences: false).map(String.init)
        }
        func match(_ pattern: ArraySlice<String>, _ key: ArraySlice<String>) -> Bool {
            guard let first = pattern.first else { return key.isEmpty }
            if first == "#" {
                return match(pattern.dropFirst(), key) || (!key.isEmpty && match(pattern, key.dropFirst()))
            }
            guard let word = key.first, first == "*" || first == word else { return false }
            return match(pattern.dropFirst(), key.dropFirst())
        }
        return match(words(binding)[...], words(routingKey)[...])
    }

    @Test func referenceMatcherAgreesWithTheRabbitMQCases() {
        for testCase in CoreTopicMatchingTests.cases {
            #expect(
                Self.referenceMatches(binding: testCase.binding, routingKey: testCase.routingKey) == testCase.matches,
                "\(testCase.testDescription)")
        }
    }
}
