import JunctionStorage
import Logging

/// Policies of a virtual host: set, cleared, persisted in the metadata store, and applied at once
/// to every matching queue and stream, existing or declared later.
extension VirtualHost {
    /// The user policies, or the operator policies, by name.
    public func policies(_ kind: Policy.Kind) -> [Policy] {
        let byName = kind == .user ? self.userPolicies : self.operatorPolicies
        return byName.values.sorted { $0.name < $1.name }
    }

    public func policy(named name: String, kind: Policy.Kind) -> Policy? {
        kind == .user ? self.userPolicies[name] : self.operatorPolicies[name]
    }

    /// Adds or replaces a policy (written to the metadata store first) and re-applies policies.
    /// Returns whether it replaced one.
    @discardableResult
    public func setPolicy(_ policy: Policy) throws(BrokerError) -> Bool {
        let record = self.policyRecord(policy)
        try self.persist { try $0.setPolicy(record) }
        let replaced: Bool
        switch policy.kind {
        case .user: replaced = self.userPolicies.updateValue(policy, forKey: policy.name) != nil
        case .operatorPolicy: replaced = self.operatorPolicies.updateValue(policy, forKey: policy.name) != nil
        }
        self.logger.info(
            "policy set", metadata: ["policy": "\(policy.name)", "pattern": "\(policy.pattern)"])
        self.reapplyPolicies()
        return replaced
    }

    /// - Throws: `.notFound` when there is no such policy.
    public func clearPolicy(named name: String, kind: Policy.Kind) throws(BrokerError) {
        let removed: Policy?
        switch kind {
        case .user: removed = self.userPolicies.removeValue(forKey: name)
        case .operatorPolicy: removed = self.operatorPolicies.removeValue(forKey: name)
        }
        guard removed != nil else { throw .notFound("no policy '\(name)' in vhost '\(self.name)'") }
        let storedKind: PolicyRecord.Kind = kind == .user ? .user : .operatorPolicy
        self.persistRemoval { _ = try $0.clearPolicy(virtualHost: self.name, name: name, kind: storedKind) }
        self.logger.info("policy cleared", metadata: ["policy": "\(name)"])
        self.reapplyPolicies()
    }

    /// Recomputes the policies and settings of every queue (a policy changed).
    func reapplyPolicies() {
        for queue in self.queuesByName.values {
            self.applyPolicies(to: queue)
        }
    }

    /// Picks the winning user and operator policy for `queue` and derives its settings. A lowered
    /// length limit takes effect at once (drop-head); TTLs apply to messages enqueued afterwards
    /// and a stream's retention at its next check.
    func applyPolicies(to queue: MessageQueue) {
        queue.policy = Self.winner(self.userPolicies.values, for: queue)
        queue.operatorPolicy = Self.winner(self.operatorPolicies.values, for: queue)
        queue.settings = queue.argumentSettings.overridden(by: queue.overrides).applying(
            policy: queue.policy?.definition, operatorPolicy: queue.operatorPolicy?.definition)
        if !queue.isStream && !queue.isFailed { queue.dropHeadWhileOverLimit() }
    }

    private static func winner(_ policies: Dictionary<String, Policy>.Values, for queue: MessageQueue) -> Policy? {
        var best: Policy?
        for policy in policies where policy.applies(to: queue) {
            if best.map({ policy.outranks($0) }) ?? true { best = policy }
        }
        return best
    }

    func policyRecord(_ policy: Policy) -> PolicyRecord {
        PolicyRecord(
            virtualHost: self.name,
            name: policy.name,
            pattern: policy.pattern,
            applyTo: PolicyRecord.Target(rawValue: policy.applyTo.rawValue) ?? .all,
            definition: policy.definition.jsonText,
            priority: policy.priority,
            kind: policy.kind == .user ? .user : .operatorPolicy
        )
    }

    /// A stored policy back (start-up, before the queues are declared).
    func restorePolicy(_ record: PolicyRecord) {
        do {
            let isOperator = record.kind == .operatorPolicy
            let policy = try Policy(
                kind: isOperator ? .operatorPolicy : .user,
                name: record.name,
                pattern: record.pattern,
                applyTo: Policy.ApplyTo(rawValue: record.applyTo.rawValue) ?? .all,
                priority: record.priority,
                definition: try PolicyDefinition(jsonText: record.definition, operatorPolicy: isOperator)
            )
            if isOperator {
                self.operatorPolicies[policy.name] = policy
            } else {
                self.userPolicies[policy.name] = policy
            }
        } catch {
            self.logger.error("cannot restore policy", metadata: ["policy": "\(record.name)", "error": "\(error)"])
        }
    }
}
