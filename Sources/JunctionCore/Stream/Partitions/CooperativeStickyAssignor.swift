/// Which member of a consumer group reads which partition: Kafka's cooperative-sticky assignment.
/// Balanced by count (member counts differ by at most one), sticky (a member keeps as many of its
/// partitions as its share allows, so only the partitions that must move, move) and complete
/// (every partition has exactly one owner while the group has members). Pure.
struct CooperativeStickyAssignor {
    /// The assignment of partitions `0..<count` among `members` (in join order), given who owned
    /// what before (`previous`; owners that are no longer members are ignored). Returned as the
    /// owner of each partition, indexed by partition; empty when there are no members.
    static func assign<Member: Hashable>(partitions count: Int, members: [Member], previous: [Member?]) -> [Member] {
        guard !members.isEmpty, count > 0 else { return [] }
        let base = count / members.count
        let extra = count % members.count
        var owned: [Member: [Int]] = [:]
        for member in members { owned[member] = [] }
        for partition in 0..<count {
            if partition < previous.count, let owner = previous[partition], owned[owner] != nil {
                owned[owner, default: []].append(partition)
            }
        }
        // The members that own the most keep one more than the base share (stable in join order).
        let byOwned = members.enumerated().sorted { a, b in
            let (countA, countB) = (owned[a.element]?.count ?? 0, owned[b.element]?.count ?? 0)
            return countA != countB ? countA > countB : a.offset < b.offset
        }
        var quota: [Member: Int] = [:]
        for (rank, entry) in byOwned.enumerated() {
            quota[entry.element] = base + (rank < extra ? 1 : 0)
        }
        var owners = [Member?](repeating: nil, count: count)
        var assigned: [Member: Int] = [:]
        for member in members {
            let kept = (owned[member] ?? []).prefix(quota[member] ?? 0)
            for partition in kept { owners[partition] = member }
            assigned[member] = kept.count
        }
        var next = 0
        for partition in 0..<count where owners[partition] == nil {
            while (assigned[members[next]] ?? 0) >= (quota[members[next]] ?? 0) {
                next = (next + 1) % members.count
            }
            owners[partition] = members[next]
            assigned[members[next], default: 0] += 1
        }
        return owners.compactMap { $0 }
    }
}
