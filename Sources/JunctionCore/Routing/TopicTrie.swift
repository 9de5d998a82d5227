/// Topic bindings as a trie over binding-key words: `*` matches exactly one word (possibly empty),
/// `#` zero or more words. Matching walks only the branches the routing key's words select, so its
/// cost does not depend on how many non-matching bindings exist.
///
/// The empty key has zero words (as in RabbitMQ): it matches `#` and the empty binding key only.
final class TopicTrie {
    final class Node {
        var children: [String: Node] = [:]
        var star: Node?
        var hash: Node?
        /// Bindings ending here; a destination appears once per binding (bindings that differ only
        /// in arguments count twice), matching deduplicates.
        var destinations: [BindingDestination] = []

        var isEmpty: Bool {
            self.children.isEmpty && self.star == nil && self.hash == nil && self.destinations.isEmpty
        }
    }

    private let root = Node()

    var isEmpty: Bool { self.root.isEmpty }

    /// Splits once per publish (on a route-cache miss): on UTF-8 bytes, not `Character`s (a `.` byte is
    /// never part of a multi-byte scalar), into an array sized once; words of up to 15 UTF-8 bytes are
    /// stored inline (no allocation).
    static func words(_ key: String) -> [String] {
        if key.isEmpty { return [] }
        var key = key
        return key.withUTF8 { bytes in
            let dot = UInt8(ascii: ".")
            var count = 1
            for byte in bytes where byte == dot { count += 1 }
            var words: [String] = []
            words.reserveCapacity(count)
            var start = 0
            for index in 0...bytes.count where index == bytes.count || bytes[index] == dot {
                words.append(String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<index]), as: UTF8.self))
                start = index + 1
            }
            return words
        }
    }

    func insert(_ bindingKey: String, _ destination: BindingDestination) {
        var node = self.root
        for word in TopicTrie.words(bindingKey) {
            node = Self.child(of: node, word: word)
        }
        node.destinations.append(destination)
    }

    /// Removes one occurrence; returns false when the binding was not there.
    @discardableResult
    func remove(_ bindingKey: String, _ destination: BindingDestination) -> Bool {
        Self.remove(from: self.root, words: TopicTrie.words(bindingKey)[...], destination: destination)
    }

    /// Calls `visit` for every destination whose binding key matches; a destination may be visited
    /// more than once (through several bindings or several `#` splits), callers deduplicate.
    func match(_ words: [String], _ visit: (BindingDestination) -> Void) {
        Self.match(self.root, words, 0, visit)
    }

    private static func match(_ node: Node, _ words: [String], _ index: Int, _ visit: (BindingDestination) -> Void) {
        if let hash = node.hash {
            // `#` swallows words[index..<k] for every k, including none.
            for next in index...words.count {
                Self.match(hash, words, next, visit)
            }
        }
        if index == words.count {
            for destination in node.destinations {
                visit(destination)
            }
            return
        }
        if let child = node.children[words[index]] {
            Self.match(child, words, index + 1, visit)
        }
        if let star = node.star {
            Self.match(star, words, index + 1, visit)
        }
    }

    private static func child(of node: Node, word: String) -> Node {
        switch word {
        case "*":
            if let star = node.star { return star }
            let created = Node()
            node.star = created
            return created
        case "#":
            if let hash = node.hash { return hash }
            let created = Node()
            node.hash = created
            return created
        default:
            if let existing = node.children[word] { return existing }
            let created = Node()
            node.children[word] = created
            return created
        }
    }

    private static func remove(from node: Node, words: ArraySlice<String>, destination: BindingDestination) -> Bool {
        guard let word = words.first else {
            guard let index = node.destinations.firstIndex(of: destination) else { return false }
            node.destinations.remove(at: index)
            return true
        }
        let rest = words.dropFirst()
        switch word {
        case "*":
            guard let star = node.star, Self.remove(from: star, words: rest, destination: destination) else {
                return false
            }
            if star.isEmpty { node.star = nil }
        case "#":
            guard let hash = node.hash, Self.remove(from: hash, words: rest, destination: destination) else {
                return false
            }
            if hash.isEmpty { node.hash = nil }
        default:
            guard let child = node.children[word], Self.remove(from: child, words: rest, destination: destination)
            else {
                return false
            }
            if child.isEmpty { node.children[word] = nil }
        }
        return true
    }
}
