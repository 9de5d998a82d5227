import PropertyBased
import Testing

@testable import JunctionCore

@Suite struct CooperativeStickyAssignorTests {
    typealias Assignor = CooperativeStickyAssignor

    @Test func firstAssignmentIsBalanced() {
        #expect(Assignor.assign(partitions: 3, members: ["a"], previous: []) == ["a", "a", "a"])
        #expect(Assignor.assign(partitions: 3, members: ["a", "b"], previous: []) == ["a", "a", "b"])
        #expect(
            Assignor.assign(partitions: 6, members: ["a", "b", "c"], previous: []) == ["a", "a", "b", "b", "c", "c"])
        #expect(Assignor.assign(partitions: 2, members: ["a", "b", "c"], previous: []) == ["a", "b"])
        #expect(Assignor.assign(partitions: 3, members: [String](), previous: []).isEmpty)
    }

    @Test func aJoinMovesOnlyWhatTheNewMemberTakes() {
        let before = ["a", "a", "b", "b", "c", "c"]
        let after = Assignor.assign(partitions: 6, members: ["a", "b", "c", "d"], previous: before)
        let moved = zip(before, after).filter { $0 != $1 }
        #expect(moved.count == 1)
        #expect(moved.allSatisfy { $0.1 == "d" })
    }

    @Test func aLeaveMovesOnlyTheLeaversPartitions() {
        let before = ["a", "b", "c", "a", "b", "c"]
        let after = Assignor.assign(partitions: 6, members: ["a", "c"], previous: before)
        for (old, new) in zip(before, after) where old != "b" {
            #expect(old == new)
        }
        #expect(after.filter { $0 == "a" }.count == 3)
        #expect(after.filter { $0 == "c" }.count == 3)
    }

    /// Members join (a new id) or leave (an existing one) in any order; after every step each partition
    /// has exactly one owner that is a member, counts differ by at most one, and every member that stays
    /// keeps min(what it had, its new share) of its partitions (so nothing moves that need not).
    @Test func anySequenceOfJoinsAndLeavesStaysBalancedCompleteAndSticky() async {
        let scenarios = zip(Gen.int(in: 1...12), Gen.int(in: 0...99).array(of: 1...40))
        await propertyCheck(count: 300, input: scenarios) { count, steps in
            Self.check(partitions: count, steps: steps)
        }
    }

    static func check(partitions count: Int, steps: [Int]) {
        var members: [Int] = []
        var nextID = 0
        var owners: [Int] = []
        for step in steps {
            if members.isEmpty || step % 3 != 0 {
                members.append(nextID)
                nextID += 1
            } else {
                members.remove(at: step % members.count)
            }
            let previous = owners.map { Optional($0) }
            let next = Assignor.assign(partitions: count, members: members, previous: previous)
            #expect(next.count == (members.isEmpty ? 0 : count))
            #expect(next.allSatisfy { members.contains($0) })
            let counts = members.map { member in next.filter { $0 == member }.count }
            #expect((counts.max() ?? 0) - (counts.min() ?? 0) <= 1)
            for member in members {
                let had = owners.indices.filter { owners[$0] == member }
                let has = next.indices.filter { next[$0] == member }
                let kept = had.filter { next[$0] == member }.count
                #expect(kept == min(had.count, has.count))
            }
            owners = next
        }
    }
}
