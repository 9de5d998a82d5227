import JunctionStorage

/// A partitioned stream (`x-partitions: N`): N streams `name-0` … `name-(N-1)` behind an exchange
/// `name` of type `x-partition`, and a queue `name` that declares, deletes and is consumed. A
/// consumer group on it divides the partitions among its members (`CooperativeStickyAssignor`);
/// each member reads each partition it owns through a `StreamSubscription` of that partition in
/// the group, so committed offsets, lag and redelivery are the single-stream ones, per partition.
/// A shared group (`x-consumer-group-type: shared`) gives every member every partition; inside a
/// partition its members take messages round robin. Confined to the engine loop.
public final class PartitionedStream {
    public let queue: MessageQueue
    public let partitions: [StreamQueue]
    private var groupsByName: [String: PartitionedConsumerGroup] = [:]

    init(queue: MessageQueue, partitions: [StreamQueue]) {
        self.queue = queue
        self.partitions = partitions
        for (index, partition) in partitions.enumerated() {
            partition.partitionIndex = index
            partition.partitionOf = queue.name
        }
    }

    public var name: String { self.queue.name }
    public var messageCount: Int { self.partitions.reduce(0) { $0 + $1.messageCount } }
    public var consumerCount: Int { self.groupsByName.values.reduce(0) { $0 + $1.members.count } }

    /// Every group with its members, rebalance count and, per partition, owner, committed offset and lag.
    public var groups: [PartitionedGroupInfo] {
        self.groupsByName.values.sorted { $0.name < $1.name }.map { group in
            PartitionedGroupInfo(
                name: group.name,
                isShared: group.isShared,
                memberCount: group.members.count,
                rebalanceCount: group.rebalanceCount,
                partitions: self.partitions.enumerated().map { index, partition in
                    let info = partition.groups.first { $0.name == group.name }
                    return PartitionedGroupInfo.Partition(
                        index: index,
                        stream: partition.name,
                        owner: group.isShared ? nil : group.owners[index]?.tag,
                        committedOffset: info?.committedOffset,
                        lag: info?.lag ?? max(0, partition.nextOffset.rawValue - partition.firstOffset.rawValue)
                    )
                }
            )
        }
    }

    /// A member joins `group` (created on first use): the group rebalances. The new member's
    /// partitions start once the adapter calls `resume()` (after its consume-ok).
    func join(
        tag: String, consumer: any StreamConsumer, start: StreamOffsetSpec, group name: String, shared: Bool,
        prefetch: Int, owner: ConnectionID
    ) throws(BrokerError) -> PartitionedStreamMember {
        let group = self.groupsByName[name] ?? PartitionedConsumerGroup(name: name, isShared: shared)
        guard group.isShared == shared else {
            throw .preconditionFailed(
                "consumer group '\(name)' of stream '\(self.name)' is \(group.isShared ? "shared" : "not shared")")
        }
        self.groupsByName[name] = group
        let member = PartitionedStreamMember(
            tag: tag, stream: self, group: group, consumer: consumer, start: start, prefetch: prefetch, owner: owner)
        group.members.append(member)
        self.rebalance(group, joining: member)
        return member
    }

    /// A member leaves: its partition readers are cancelled and the others take its partitions over
    /// at their committed offsets (so what it had not acknowledged is delivered again).
    func leave(_ member: PartitionedStreamMember) {
        let group = member.group
        group.members.removeAll { $0 === member }
        for (_, child) in member.children { child.cancel() }
        member.children.removeAll()
        if group.members.isEmpty {
            group.owners = []
            // The group's offsets stay with the partitions; an empty group is forgotten here.
            self.groupsByName[group.name] = nil
            return
        }
        self.rebalance(group, joining: nil)
    }

    private func rebalance(_ group: PartitionedConsumerGroup, joining: PartitionedStreamMember?) {
        if group.isShared {
            // Every member reads every partition; inside one the partition's share group hands out messages.
            if let joining {
                for (index, partition) in self.partitions.enumerated() {
                    joining.children[index] = self.subscribe(joining, to: partition)
                }
            }
            group.rebalanceCount += 1
            return
        }
        let count = self.partitions.count
        let previous = (0..<count).map { index in
            index < group.owners.count ? group.owners[index].map(ObjectIdentifier.init) : nil
        }
        let next = CooperativeStickyAssignor.assign(
            partitions: count, members: group.members.map(ObjectIdentifier.init), previous: previous)
        let membersByID = Dictionary(uniqueKeysWithValues: group.members.map { (ObjectIdentifier($0), $0) })
        var owners = [PartitionedStreamMember?](repeating: nil, count: count)
        var moved: [Int] = []
        for index in 0..<count {
            owners[index] = membersByID[next[index]]
            if previous[index] != next[index] { moved.append(index) }
        }
        // Revoke every moved partition first, so its new owner becomes the partition's active reader.
        for index in moved {
            if index < group.owners.count, let old = group.owners[index], !old.isLeaving {
                old.children.removeValue(forKey: index)?.cancel()
            }
        }
        group.owners = owners
        for index in moved {
            guard let owner = owners[index] else { continue }
            let child = self.subscribe(owner, to: self.partitions[index])
            owner.children[index] = child
            if owner !== joining { child.resume() }
        }
        if !moved.isEmpty { group.rebalanceCount += 1 }
    }

    private func subscribe(_ member: PartitionedStreamMember, to partition: StreamQueue) -> StreamSubscription {
        partition.subscribe(
            tag: member.tag, consumer: member.consumer, start: member.start, group: member.group.name,
            shared: member.group.isShared, prefetch: member.prefetch, owner: member.owner)
    }

    /// The partitioned stream was deleted: members are forgotten (each partition cancels its readers).
    func tearDown() {
        for group in self.groupsByName.values {
            for member in group.members { member.isLeaving = true }
        }
        self.groupsByName.removeAll()
    }
}

/// A consumer group over the partitions of one partitioned stream.
final class PartitionedConsumerGroup {
    let name: String
    let isShared: Bool
    /// In join order (the assignor's tie-break).
    var members: [PartitionedStreamMember] = []
    /// The owner of each partition (not used by a shared group).
    var owners: [PartitionedStreamMember?] = []
    var rebalanceCount = 0

    init(name: String, isShared: Bool) {
        self.name = name
        self.isShared = isShared
    }
}

/// One member of a group over a partitioned stream: one `StreamSubscription` per partition it owns.
public final class PartitionedStreamMember: StreamConsumerHandle {
    public let tag: String
    unowned let stream: PartitionedStream
    let group: PartitionedConsumerGroup
    let consumer: any StreamConsumer
    let start: StreamOffsetSpec
    let owner: ConnectionID
    /// Credit of each partition reader.
    let prefetch: Int
    /// The reader of each partition it owns, by partition.
    var children: [Int: StreamSubscription] = [:]
    var isLeaving = false

    init(
        tag: String, stream: PartitionedStream, group: PartitionedConsumerGroup, consumer: any StreamConsumer,
        start: StreamOffsetSpec, prefetch: Int, owner: ConnectionID
    ) {
        self.tag = tag
        self.stream = stream
        self.group = group
        self.consumer = consumer
        self.start = start
        self.prefetch = prefetch
        self.owner = owner
    }

    /// The partitions it reads now, in order.
    public var assignedPartitions: [Int] { self.children.keys.sorted() }

    public func cancel() {
        guard !self.isLeaving else { return }
        self.isLeaving = true
        self.stream.leave(self)
    }

    public func resume() {
        guard !self.isLeaving else { return }
        for index in self.children.keys.sorted() {
            self.children[index]?.resume()
        }
    }
}

/// A group over a partitioned stream as the management API and metrics see it.
public struct PartitionedGroupInfo: Sendable, Equatable {
    public struct Partition: Sendable, Equatable {
        public var index: Int
        public var stream: String
        /// The member (consumer tag) that reads it; nil for a shared group or while unowned.
        public var owner: String?
        public var committedOffset: Int64?
        public var lag: Int64
    }

    public var name: String
    public var isShared: Bool
    public var memberCount: Int
    public var rebalanceCount: Int
    public var partitions: [Partition]
}

@available(*, unavailable)
extension PartitionedStream: Sendable {}

@available(*, unavailable)
extension PartitionedConsumerGroup: Sendable {}

@available(*, unavailable)
extension PartitionedStreamMember: Sendable {}
