/// Topic bindings as a trie over binding-key words: `*` matches exactly one word (possibly empty),
/// `#` zero or more words. Matching walks only the branches the routing key's words select, so its
/// cost does not depend on how many non-matching bindings exist.
///
/// Matching is a breadth-first walk of the trie as an automaton: the set of nodes reached after k
/// words is computed from the set after k - 1, each node at most once per step. A key of n words
/// against bindings whose trie has m nodes costs at most O(n·m) node visits, and for one binding of
/// w words at most O(n·w): no backtracking, so `#.*.#.*.#…` cannot make it exponential. Runs of `#`
/// collapse to one `#` on insert (`#.#` matches exactly what `#` matches).
///
/// The empty key has zero words (as in RabbitMQ): it matches `#` and the empty binding key only.
final class TopicTrie {
    final class Node {
        var children: [String: Node] = [:]
        var star: Node?
        var hash: Node?
        /// Reached through a `#` edge: stays active while it swallows words.
        let isHash: Bool
        /// The matching step that last added this node to the active set (deduplication without a set).
        var mark: UInt64 = 0
        /// Bindings ending here; a destination appears once per binding (bindings that differ only
        /// in arguments count twice), matching deduplicates.
        var destinations: [BindingDestination] = []

        init(isHash: Bool = false) {
            self.isHash = isHash
        }

        var isEmpty: Bool {
            self.children.isEmpty && self.star == nil && self.hash == nil && self.destinations.isEmpty
        }
    }

    private let root = Node()
    private var step: UInt64 = 0
    /// Nodes the last match activated: the measure of its cost (tests bound it).
    private(set) var lastMatchActivations = 0
    /// The active sets of the walk, kept between matches so a match allocates nothing in steady state.
    private var spareCurrent: [Node] = []
    private var spareNext: [Node] = []

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

    /// The number of words in `key` (the empty key has none), counted without splitting.
    static func wordCount(_ key: String) -> Int {
        if key.isEmpty { return 0 }
        var count = 1
        for byte in key.utf8 where byte == UInt8(ascii: ".") { count += 1 }
        return count
    }

    /// The words a binding key is stored under: runs of `#` collapse to one.
    static func bindingWords(_ bindingKey: String) -> [String] {
        var words = Self.words(bindingKey)
        var index = 1
        while index < words.count {
            if words[index] == "#" && words[index - 1] == "#" {
                words.remove(at: index)
            } else {
                index += 1
            }
        }
        return words
    }

    func insert(_ bindingKey: String, _ destination: BindingDestination) {
        var node = self.root
        for word in TopicTrie.bindingWords(bindingKey) {
            node = Self.child(of: node, word: word)
        }
        node.destinations.append(destination)
    }

    /// Removes one occurrence; returns false when the binding was not there.
    @discardableResult
    func remove(_ bindingKey: String, _ destination: BindingDestination) -> Bool {
        Self.remove(from: self.root, words: TopicTrie.bindingWords(bindingKey)[...], destination: destination)
    }

    /// Calls `visit` for every destination whose binding key matches; a destination may be visited
    /// more than once (through several bindings), callers deduplicate.
    func match(_ words: [String], _ visit: (BindingDestination) -> Void) {
        var current = self.spareCurrent
        var next = self.spareNext
        self.spareCurrent = []
        self.spareNext = []
        current.removeAll(keepingCapacity: true)
        self.step &+= 1
        Self.activate(self.root, step: self.step, into: &current)
        var activations = 0
        for word in words {
            if current.isEmpty { break }
            activations += current.count
            self.step &+= 1
            next.removeAll(keepingCapacity: true)
            for node in current {
                // `#` swallows this word and stays; a child or `*` consumes it and moves on.
                if node.isHash { Self.activate(node, step: self.step, into: &next) }
                if let child = node.children[word] { Self.activate(child, step: self.step, into: &next) }
                if let star = node.star { Self.activate(star, step: self.step, into: &next) }
            }
            swap(&current, &next)
        }
        self.lastMatchActivations = activations + current.count
        for node in current {
            for destination in node.destinations { visit(destination) }
        }
        current.removeAll(keepingCapacity: true)
        self.spareCurrent = current
        self.spareNext = next
    }

    /// Adds `node` to the active set once per step, with its `#` child (which may match no word).
    private static func activate(_ node: Node, step: UInt64, into active: inout [Node]) {
        guard node.mark != step else { return }
        node.mark = step
        active.append(node)
        if let hash = node.hash { Self.activate(hash, step: step, into: &active) }
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
            let created = Node(isHash: true)
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
