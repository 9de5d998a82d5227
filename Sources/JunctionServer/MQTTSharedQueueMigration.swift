import JunctionCore
import JunctionMQTT
import JunctionStorage
import Logging

/// Start-up migration for issue 13: durable MQTT shared-subscription queues stored under the
/// legacy, ambiguous name `mqtt-shared-<group>-<filter>` get their unambiguous name
/// (`MQTTSharedQueueName`) with their bindings and their log, before the definitions are restored,
/// so no queued message is lost. Safe to run on every start (it finds nothing the second time) and
/// after a crash half-way (the log is moved before the metadata, and a moved log is not moved again).
enum MQTTSharedQueueMigration {
    struct Rename: Equatable {
        var virtualHost: String
        var from: String
        var to: String
    }

    /// Renames every legacy shared-subscription queue whose bindings on `exchange` (the MQTT
    /// exchange) tell its group and filter. A queue two groups collided in keeps its messages under
    /// the first pair's name (by binding key) and only that pair's binding; the other group gets a
    /// new queue when its members subscribe again.
    @discardableResult
    static func run(
        metadata: MetadataStore, queueStore: LogQueueStore, exchange: String, logger: Logger
    ) throws -> [Rename] {
        let snapshot = try metadata.loadAll()
        var renames: [Rename] = []
        for record in snapshot.queues where record.name.hasPrefix(MQTTSharedQueueName.legacyPrefix) {
            let bindings = snapshot.bindings.filter {
                $0.virtualHost == record.virtualHost && $0.destinationKind == .queue && $0.destination == record.name
            }
            let pairs = MQTTSharedQueueName.legacyPairs(
                of: record.name, bindingKeys: bindings.filter { $0.source == exchange }.map(\.routingKey))
            let metadataFields: Logger.Metadata = ["vhost": "\(record.virtualHost)", "queue": "\(record.name)"]
            guard let pair = pairs.first else {
                logger.warning(
                    "legacy MQTT shared-subscription queue left as it is: no binding tells its group and filter",
                    metadata: metadataFields)
                continue
            }
            let name = MQTTSharedQueueName.name(group: pair.group, filter: pair.filter)
            if snapshot.queues.contains(where: { $0.virtualHost == record.virtualHost && $0.name == name }) {
                logger.warning(
                    "legacy MQTT shared-subscription queue left as it is: its new name is taken",
                    metadata: metadataFields.merging(["new_name": "\(name)"]) { $1 })
                continue
            }
            if pairs.count > 1 {
                logger.warning(
                    "legacy MQTT shared-subscription queue was shared by colliding groups: its messages stay with the first",
                    metadata: metadataFields.merging(["groups": "\(pairs.map(\.group))"]) { $1 })
            }
            try queueStore.moveStoredQueue(
                from: QueueStoreKey(virtualHost: record.virtualHost, queue: record.name),
                to: QueueStoreKey(virtualHost: record.virtualHost, queue: name))
            let ownKey = MQTTTopic.bindingKey(forFilter: pair.filter)
            let kept = bindings.filter { $0.source != exchange || $0.routingKey == ownKey }.map { binding in
                var renamed = binding
                renamed.destination = name
                return renamed
            }
            var renamed = record
            renamed.name = name
            try metadata.write { transaction in
                try transaction.declareQueue(renamed, bindings: kept)
                _ = try transaction.deleteQueue(virtualHost: record.virtualHost, name: record.name)
            }
            logger.notice(
                "renamed legacy MQTT shared-subscription queue",
                metadata: metadataFields.merging(["new_name": "\(name)"]) { $1 })
            renames.append(Rename(virtualHost: record.virtualHost, from: record.name, to: name))
        }
        return renames
    }
}
