import JunctionCore
public import JunctionMQTTCodec
public import JunctionModel
import NIOCore

/// A retained message: the last PUBLISH with the retain flag on its topic.
public struct MQTTRetainedMessage: Sendable, Equatable {
    public var topic: String
    public var qos: MQTTQoS
    public var message: Message

    public init(topic: String, qos: MQTTQoS, message: Message) {
        self.topic = topic
        self.qos = qos
        self.message = message
    }
}

/// Where retained messages live. Called on the engine loop. A durable implementation persists
/// `retain`/`remove` and loads everything at start; matching stays an in-memory index.
public protocol MQTTRetainedStore: AnyObject {
    /// Replaces the retained message of its topic.
    func retain(_ message: MQTTRetainedMessage)
    func remove(topic: String)
    /// Retained messages whose topic matches the filter (wildcards, `$` rule included).
    func matching(filter: String) -> [MQTTRetainedMessage]
    var count: Int { get }
    /// Payload bytes of every retained message (for `mqtt.max_retained_bytes`).
    var payloadBytes: Int { get }
    /// The payload size of the message retained on exactly this topic, if any.
    func payloadSize(topic: String) -> Int?
}

/// Retained messages in a topic trie: a lookup walks the filter's levels, never every topic.
public final class InMemoryRetainedStore: MQTTRetainedStore {
    private final class Node {
        var children: [Substring: Node] = [:]
        var message: MQTTRetainedMessage?
        var isEmpty: Bool { self.children.isEmpty && self.message == nil }
    }

    private let root = Node()
    public private(set) var count = 0
    public private(set) var payloadBytes = 0

    public init() {}

    public func payloadSize(topic: String) -> Int? {
        var node = self.root
        for level in topic.split(separator: "/", omittingEmptySubsequences: false) {
            guard let child = node.children[level] else { return nil }
            node = child
        }
        return node.message?.message.body.readableBytes
    }

    public func retain(_ message: MQTTRetainedMessage) {
        var node = self.root
        for level in message.topic.split(separator: "/", omittingEmptySubsequences: false) {
            if let child = node.children[level] {
                node = child
            } else {
                let child = Node()
                node.children[level] = child
                node = child
            }
        }
        if let previous = node.message {
            self.payloadBytes -= previous.message.body.readableBytes
        } else {
            self.count += 1
        }
        self.payloadBytes += message.message.body.readableBytes
        node.message = message
    }

    public func remove(topic: String) {
        let levels = topic.split(separator: "/", omittingEmptySubsequences: false)
        var path: [(Node, Substring)] = []
        var node = self.root
        for level in levels {
            guard let child = node.children[level] else { return }
            path.append((node, level))
            node = child
        }
        guard let previous = node.message else { return }
        node.message = nil
        self.count -= 1
        self.payloadBytes -= previous.message.body.readableBytes
        // Prune empty branches.
        var current = node
        for (parent, level) in path.reversed() {
            guard current.isEmpty else { break }
            parent.children[level] = nil
            current = parent
        }
    }

    public func matching(filter: String) -> [MQTTRetainedMessage] {
        let levels = filter.split(separator: "/", omittingEmptySubsequences: false)
        var result: [MQTTRetainedMessage] = []
        self.collect(self.root, levels: levels[...], depth: 0, into: &result)
        return result
    }

    private func collect(
        _ node: Node, levels: ArraySlice<Substring>, depth: Int, into result: inout [MQTTRetainedMessage]
    ) {
        guard let level = levels.first else {
            if let message = node.message { result.append(message) }
            return
        }
        switch level {
        case "#":
            // `#` also matches the parent level itself (`a/#` matches `a`).
            if let message = node.message, depth > 0 { result.append(message) }
            self.collectAll(node, depth: depth, into: &result)
        case "+":
            for (name, child) in node.children where !(depth == 0 && name.hasPrefix("$")) {
                self.collect(child, levels: levels.dropFirst(), depth: depth + 1, into: &result)
            }
        default:
            if let child = node.children[level] {
                self.collect(child, levels: levels.dropFirst(), depth: depth + 1, into: &result)
            }
        }
    }

    private func collectAll(_ node: Node, depth: Int, into result: inout [MQTTRetainedMessage]) {
        for (name, child) in node.children where !(depth == 0 && name.hasPrefix("$")) {
            if let message = child.message { result.append(message) }
            self.collectAll(child, depth: depth + 1, into: &result)
        }
    }
}

@available(*, unavailable)
extension InMemoryRetainedStore: Sendable {}
