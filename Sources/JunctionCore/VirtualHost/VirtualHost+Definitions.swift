import JunctionModel
import JunctionStorage
import Logging
import NIOCore

/// Durable definitions (exchanges, queues, bindings) written through to the metadata store, so they
/// survive a restart. Creation is written before the in-memory change (a failed write refuses the
/// declaration); removal after it (a failed write is logged and the definition comes back on restart).
extension VirtualHost {
    func persist(_ body: (MetadataTransaction) throws -> Void) throws(BrokerError) {
        guard let metadata = self.metadata, !self.suppressesMetadataWrites else { return }
        do {
            try metadata.write { try body($0) }
        } catch {
            self.logger.error("metadata write failed", metadata: ["error": "\(error)"])
            throw .internalError("cannot store the definition: \(error)")
        }
    }

    func persistRemoval(_ body: (MetadataTransaction) throws -> Void) {
        do throws(BrokerError) {
            try self.persist(body)
        } catch {
            // Logged by `persist`; the broker goes on with the in-memory state.
        }
    }

    func exchangeRecord(_ exchange: Exchange) -> ExchangeRecord {
        ExchangeRecord(
            virtualHost: self.name,
            name: exchange.name,
            type: exchange.type.rawValue,
            durable: exchange.durable,
            autoDelete: exchange.autoDelete,
            internal: exchange.internal,
            arguments: Self.encode(exchange.arguments)
        )
    }

    func queueRecord(_ queue: MessageQueue) -> QueueRecord {
        QueueRecord(
            virtualHost: self.name,
            name: queue.name,
            kind: queue.settings.stream == nil ? .classic : .stream,
            durable: queue.durable,
            exclusive: queue.exclusiveOwner != nil,
            autoDelete: queue.autoDelete,
            arguments: Self.encode(queue.arguments)
        )
    }

    /// A binding survives a restart when both of its ends do (RabbitMQ's rule).
    func isDurable(_ binding: Binding) -> Bool {
        guard binding.source.durable else { return false }
        switch binding.destination {
        case .queue(let queue): return queue.isPersistedDefinition
        case .exchange(let exchange): return exchange.durable
        }
    }

    func bindingRecord(_ binding: Binding) -> BindingRecord {
        let (destination, kind): (String, BindingRecord.DestinationKind) =
            switch binding.destination {
            case .queue(let queue): (queue.name, .queue)
            case .exchange(let exchange): (exchange.name, .exchange)
            }
        return BindingRecord(
            virtualHost: self.name,
            source: binding.source.name,
            destination: destination,
            destinationKind: kind,
            routingKey: binding.routingKey,
            arguments: Self.encode(binding.arguments)
        )
    }

    static func encode(_ table: FieldTable) -> [UInt8] {
        var buffer = ByteBuffer()
        buffer.writeBinaryFieldTable(table)
        return Array(buffer.readableBytesView)
    }

    static func decode(_ bytes: [UInt8]) -> FieldTable {
        var buffer = ByteBuffer(bytes: bytes)
        return (try? buffer.readBinaryFieldTable()) ?? FieldTable()
    }

    /// Rebuilds what the metadata store holds for this virtual host (start-up), without writing back.
    func restore(from snapshot: MetadataSnapshot) {
        self.suppressesMetadataWrites = true
        defer { self.suppressesMetadataWrites = false }
        let owner = ConnectionID(0)
        let access = AccessContext.trusted(virtualHost: self.name)
        // Policies first: each queue is declared with the policies that match it.
        for record in snapshot.policies where record.virtualHost == self.name {
            self.restorePolicy(record)
        }
        for record in snapshot.exchanges where record.virtualHost == self.name {
            do {
                try self.declareExchange(
                    record.name,
                    type: record.type,
                    durable: record.durable,
                    autoDelete: record.autoDelete,
                    internal: record.internal,
                    arguments: Self.decode(record.arguments),
                    passive: false,
                    access: access
                )
            } catch {
                self.logger.error(
                    "cannot restore exchange", metadata: ["exchange": "\(record.name)", "error": "\(error)"])
            }
        }
        for record in snapshot.queues where record.virtualHost == self.name {
            do {
                _ = try self.declareQueue(
                    record.name,
                    durable: record.durable,
                    exclusive: false,
                    autoDelete: record.autoDelete,
                    arguments: Self.decode(record.arguments),
                    passive: false,
                    owner: owner,
                    access: access
                )
                if record.deliveryDelayMilliseconds > 0 {
                    self.delayed.queueDelays[record.name] = record.deliveryDelayMilliseconds
                }
            } catch {
                self.logger.error("cannot restore queue", metadata: ["queue": "\(record.name)", "error": "\(error)"])
            }
        }
        for record in snapshot.consumerOffsets where record.virtualHost == self.name {
            self.streamsByName[record.stream]?.restoreGroup(
                record.group, committedOffset: LogOffset(Int64(clamping: record.offset)))
        }
        for record in snapshot.bindings where record.virtualHost == self.name {
            do {
                switch record.destinationKind {
                case .queue:
                    try self.bindQueue(
                        record.destination,
                        exchange: record.source,
                        routingKey: record.routingKey,
                        arguments: Self.decode(record.arguments),
                        owner: owner,
                        access: access
                    )
                case .exchange:
                    try self.bindExchange(
                        destination: record.destination,
                        source: record.source,
                        routingKey: record.routingKey,
                        arguments: Self.decode(record.arguments),
                        access: access
                    )
                }
            } catch {
                self.logger.error(
                    "cannot restore binding", metadata: ["source": "\(record.source)", "error": "\(error)"])
            }
        }
    }
}

extension MessageQueue {
    /// Durable, non-exclusive queues are kept in the metadata store.
    var isPersistedDefinition: Bool { self.durable && self.exclusiveOwner == nil }
}
