import Testing

@testable import JunctionStorage

/// Binding identity, and the compound declare/delete operations that keep bindings consistent.
@Suite struct StorageMetadataBindingTests {
    private let toQueue = BindingRecord(virtualHost: "/", source: "x", destination: "q", routingKey: "k")

    @Test func anIdenticalBindingIsStoredOnce() throws {
        try withStore { store throws in
            #expect(try store.addBinding(toQueue))
            #expect(try !store.addBinding(toQueue))
            #expect(try store.loadAll().bindings == [toQueue])
        }
    }

    @Test func bindingsDifferingInAnyFieldAreDistinct() throws {
        try withStore { store throws in
            var variants = [toQueue]
            variants.append(BindingRecord(virtualHost: "v", source: "x", destination: "q", routingKey: "k"))
            variants.append(BindingRecord(virtualHost: "/", source: "y", destination: "q", routingKey: "k"))
            variants.append(BindingRecord(virtualHost: "/", source: "x", destination: "r", routingKey: "k"))
            variants.append(
                BindingRecord(
                    virtualHost: "/", source: "x", destination: "q", destinationKind: .exchange, routingKey: "k"))
            variants.append(BindingRecord(virtualHost: "/", source: "x", destination: "q", routingKey: "other"))
            variants.append(
                BindingRecord(virtualHost: "/", source: "x", destination: "q", routingKey: "k", arguments: [1]))
            variants.append(
                BindingRecord(virtualHost: "/", source: "x", destination: "q", routingKey: "k", arguments: [2]))
            for variant in variants {
                #expect(try store.addBinding(variant))
            }
            #expect(Set(try store.loadAll().bindings) == Set(variants))
        }
    }

    @Test func removeBindingMatchesEveryFieldIncludingEmptyArguments() throws {
        try withStore { store throws in
            let withArguments = BindingRecord(
                virtualHost: "/", source: "x", destination: "q", routingKey: "k", arguments: [7])
            try store.addBinding(toQueue)
            try store.addBinding(withArguments)
            #expect(try store.removeBinding(toQueue))
            #expect(try !store.removeBinding(toQueue))
            #expect(try store.loadAll().bindings == [withArguments])
        }
    }

    @Test func declareQueueStoresTheQueueAndItsBindingsTogether() throws {
        try withStore { store throws in
            let queue = QueueRecord(virtualHost: "/", name: "q")
            let bindings = [toQueue, BindingRecord(virtualHost: "/", source: "y", destination: "q", routingKey: "")]
            try store.declareQueue(queue, bindings: bindings)
            try store.declareQueue(queue, bindings: bindings)
            let snapshot = try store.loadAll()
            #expect(snapshot.queues == [queue])
            #expect(Set(snapshot.bindings) == Set(bindings))
            #expect(snapshot.bindings.count == 2)
        }
    }

    @Test func deleteQueueRemovesItsBindingsAndConsumerOffsetsOnly() throws {
        try withStore { store throws in
            try store.declareQueue(QueueRecord(virtualHost: "/", name: "q", kind: .stream), bindings: [toQueue])
            try store.declareQueue(QueueRecord(virtualHost: "/", name: "keep"))
            let kept = [
                BindingRecord(virtualHost: "/", source: "x", destination: "keep", routingKey: "k"),
                // An exchange that happens to share the queue's name is not the queue.
                BindingRecord(
                    virtualHost: "/", source: "x", destination: "q", destinationKind: .exchange, routingKey: "k"),
                BindingRecord(virtualHost: "other", source: "x", destination: "q", routingKey: "k"),
            ]
            for binding in kept { try store.addBinding(binding) }
            try store.commitConsumerOffset(offset(stream: "q", group: "g1"))
            try store.commitConsumerOffset(offset(stream: "q", group: "g2"))
            try store.commitConsumerOffset(offset(stream: "keep", group: "g1"))

            #expect(try store.deleteQueue(virtualHost: "/", name: "q"))

            let snapshot = try store.loadAll()
            #expect(snapshot.queues.map(\.name) == ["keep"])
            #expect(Set(snapshot.bindings) == Set(kept))
            #expect(snapshot.consumerOffsets == [offset(stream: "keep", group: "g1")])
        }
    }

    @Test func deleteExchangeRemovesBindingsWhereItIsSourceOrDestination() throws {
        try withStore { store throws in
            try store.declareExchange(ExchangeRecord(virtualHost: "/", name: "x", type: "topic"))
            let removed = [
                BindingRecord(virtualHost: "/", source: "x", destination: "q", routingKey: "a"),
                BindingRecord(
                    virtualHost: "/", source: "x", destination: "y", destinationKind: .exchange, routingKey: "b"),
                BindingRecord(
                    virtualHost: "/", source: "z", destination: "x", destinationKind: .exchange, routingKey: "c"),
            ]
            let kept = [
                BindingRecord(
                    virtualHost: "/", source: "z", destination: "x", destinationKind: .queue, routingKey: "d"),
                BindingRecord(virtualHost: "/", source: "y", destination: "q", routingKey: "e"),
                BindingRecord(virtualHost: "other", source: "x", destination: "q", routingKey: "f"),
            ]
            for binding in removed + kept { try store.addBinding(binding) }

            #expect(try store.deleteExchange(virtualHost: "/", name: "x"))

            let snapshot = try store.loadAll()
            #expect(snapshot.exchanges.isEmpty)
            #expect(Set(snapshot.bindings) == Set(kept))
        }
    }

    @Test func deletedQueueStaysDeletedAfterReopening() throws {
        try MetadataTestDirectory.withDatabasePath { path in
            do {
                let store = try MetadataStore(path: path)
                try store.declareQueue(QueueRecord(virtualHost: "/", name: "q"), bindings: [toQueue])
                try store.deleteQueue(virtualHost: "/", name: "q")
            }
            let snapshot = try MetadataStore(path: path).loadAll()
            #expect(snapshot.queues.isEmpty)
            #expect(snapshot.bindings.isEmpty)
        }
    }

    private func offset(stream: String, group: String) -> ConsumerOffsetRecord {
        ConsumerOffsetRecord(virtualHost: "/", stream: stream, group: group, offset: 1, updatedAtMilliseconds: 2)
    }

    private func withStore(_ body: (MetadataStore) throws -> Void) throws {
        try MetadataTestDirectory.withDatabasePath { path in try body(try MetadataStore(path: path)) }
    }
}
