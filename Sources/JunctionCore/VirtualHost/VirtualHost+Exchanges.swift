public import JunctionModel
import JunctionStorage

extension VirtualHost {
    /// Declares (or, with `passive`, checks) an exchange.
    /// - Throws: `.commandInvalid` for an unknown type; `.accessRefused` for the default exchange or a
    ///   new `amq.` name (redeclaring an existing one identically is fine); `.preconditionFailed`
    ///   when it exists with other properties; `.notFound` when passive and missing. A declaration
    ///   needs `configure` on the exchange (a passive one needs nothing, as in RabbitMQ).
    public func declareExchange(
        _ name: String,
        type: String,
        durable: Bool,
        autoDelete: Bool,
        internal: Bool,
        arguments: FieldTable,
        passive: Bool,
        access: AccessContext
    ) throws(BrokerError) {
        if passive {
            guard self.exchanges[name] != nil else {
                throw .notFound("no exchange '\(name)' in vhost '\(self.name)'")
            }
            return
        }
        try access.authorize(.configure, .exchange, name)
        guard let exchangeType = ExchangeType(rawValue: type) else {
            throw .commandInvalid("unknown exchange type '\(type)'")
        }
        if name.isEmpty {
            throw .accessRefused("operation not permitted on the default exchange")
        }
        if let existing = self.exchanges[name] {
            guard
                existing.isEquivalent(
                    type: exchangeType,
                    durable: durable,
                    autoDelete: autoDelete,
                    internal: `internal`,
                    arguments: arguments
                )
            else {
                if name.hasPrefix("amq.") {
                    throw .accessRefused("exchange name '\(name)' contains reserved prefix 'amq.*'")
                }
                throw .preconditionFailed("inequivalent arguments for exchange '\(name)' in vhost '\(self.name)'")
            }
            return
        }
        if name.hasPrefix("amq.") {
            throw .accessRefused("exchange name '\(name)' contains reserved prefix 'amq.*'")
        }
        let exchange = try Exchange(
            name: name,
            type: exchangeType,
            durable: durable,
            autoDelete: autoDelete,
            internal: `internal`,
            arguments: arguments,
            topicCacheCapacity: self.configuration.topicRouteCacheCapacity,
            maxTopicWords: self.configuration.maxTopicWords,
            maxDeduplicationCacheEntries: self.configuration.maxDeduplicationCacheEntries
        )
        if durable {
            let record = self.exchangeRecord(exchange)
            try self.persist { try $0.declareExchange(record) }
        }
        self.exchanges[name] = exchange
    }

    /// Deletes an exchange and its bindings (both directions). Deleting a missing exchange succeeds
    /// (RabbitMQ: delete is idempotent).
    /// - Throws: `.accessRefused` for the default and `amq.*` exchanges; `.preconditionFailed` when
    ///   `ifUnused` and it is the source of bindings.
    public func deleteExchange(_ name: String, ifUnused: Bool, access: AccessContext) throws(BrokerError) {
        try access.authorize(.configure, .exchange, name)
        if name.isEmpty || name.hasPrefix("amq.") {
            throw .accessRefused("operation not permitted on exchange '\(name)'")
        }
        guard let exchange = self.exchanges[name] else { return }
        if self.partitionedByName[name] != nil {
            throw .preconditionFailed(
                "exchange '\(name)' in vhost '\(self.name)' belongs to partitioned stream '\(name)': delete the stream")
        }
        if ifUnused && exchange.bindingCount > 0 {
            throw .preconditionFailed("exchange '\(name)' in vhost '\(self.name)' in use")
        }
        self.removeExchange(exchange)
    }

    func removeExchange(_ exchange: Exchange) {
        guard self.exchanges[exchange.name] === exchange else { return }
        self.exchanges[exchange.name] = nil
        self.dropDelayedMessages(of: exchange)
        for binding in exchange.bindings {
            _ = exchange.remove(binding)
            self.detachFromDestination(binding)
        }
        for binding in exchange.incoming {
            self.removeBinding(binding)
        }
        if exchange.durable {
            // Its bindings in both directions go in the same transaction.
            let name = exchange.name
            self.persistRemoval { try $0.deleteExchange(virtualHost: self.name, name: name) }
        }
    }

    /// Needs `write` on the destination and `read` on the source (and the topic permission's
    /// `read` for the key on a topic source), as in RabbitMQ.
    public func bindExchange(
        destination: String,
        source: String,
        routingKey: String,
        arguments: FieldTable,
        access: AccessContext
    ) throws(BrokerError) {
        try self.authorizeBinding(destination, .exchange, source: source, routingKey: routingKey, access: access)
        let (sourceExchange, destinationExchange) = try self.exchangePair(destination: destination, source: source)
        let binding = Binding(
            source: sourceExchange,
            destination: .exchange(destinationExchange),
            routingKey: routingKey,
            arguments: arguments
        )
        try self.addBinding(binding)
    }

    /// Unbinding a binding that does not exist succeeds.
    public func unbindExchange(
        destination: String,
        source: String,
        routingKey: String,
        arguments: FieldTable,
        access: AccessContext
    ) throws(BrokerError) {
        try self.authorizeBinding(destination, .exchange, source: source, routingKey: routingKey, access: access)
        let (sourceExchange, destinationExchange) = try self.exchangePair(destination: destination, source: source)
        self.removeBinding(
            Binding(
                source: sourceExchange,
                destination: .exchange(destinationExchange),
                routingKey: routingKey,
                arguments: arguments
            )
        )
    }

    private func exchangePair(destination: String, source: String) throws(BrokerError) -> (Exchange, Exchange) {
        if destination.isEmpty || source.isEmpty {
            throw .accessRefused("operation not permitted on the default exchange")
        }
        guard let sourceExchange = self.exchanges[source] else {
            throw .notFound("no exchange '\(source)' in vhost '\(self.name)'")
        }
        guard let destinationExchange = self.exchanges[destination] else {
            throw .notFound("no exchange '\(destination)' in vhost '\(self.name)'")
        }
        return (sourceExchange, destinationExchange)
    }

    /// Adds a binding at both ends, writing it through when both ends are durable.
    func addBinding(_ binding: Binding) throws(BrokerError) {
        guard try binding.source.add(binding) else { return }
        if self.isDurable(binding) {
            let record = self.bindingRecord(binding)
            do {
                try self.persist { _ = try $0.addBinding(record) }
            } catch {
                _ = binding.source.remove(binding)
                throw error
            }
        }
        switch binding.destination {
        case .queue(let queue): queue.incoming.insert(binding)
        case .exchange(let exchange): exchange.incoming.insert(binding)
        }
    }

    /// Removes a binding from both ends; an auto-delete source goes with its last binding.
    func removeBinding(_ binding: Binding) {
        guard binding.source.remove(binding) else { return }
        self.detachFromDestination(binding)
        if self.isDurable(binding) {
            let record = self.bindingRecord(binding)
            self.persistRemoval { _ = try $0.removeBinding(record) }
        }
        if binding.source.autoDelete && binding.source.bindingCount == 0 {
            self.removeExchange(binding.source)
        }
    }

    private func detachFromDestination(_ binding: Binding) {
        switch binding.destination {
        case .queue(let queue): queue.incoming.remove(binding)
        case .exchange(let exchange): exchange.incoming.remove(binding)
        }
    }
}
