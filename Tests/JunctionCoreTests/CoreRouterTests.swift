import JunctionCore
import JunctionCoreTestSupport
import JunctionModel
import NIOCore
import Testing

@Suite struct CoreRouterTests {
    @Test func directRoutesByExactKey() throws {
        let fixture = CoreFixture()
        try fixture.declareQueue("q1")
        try fixture.declareQueue("q2")
        try fixture.bind("q1", "amq.direct", "k")
        try fixture.bind("q2", "amq.direct", "k")
        try fixture.bind("q2", "amq.direct", "other")
        #expect(try fixture.publish("amq.direct", "k") == .routed(queueCount: 2))
        #expect(try fixture.publish("amq.direct", "other") == .routed(queueCount: 1))
        #expect(try fixture.publish("amq.direct", "K") == .unroutable)
        #expect(try fixture.drain("q1").count == 1)
        #expect(try fixture.drain("q2").count == 2)
    }

    @Test func bindingTwiceIsIdempotent() throws {
        let fixture = CoreFixture()
        try fixture.declareQueue("q")
        try fixture.bind("q", "amq.direct", "k")
        try fixture.bind("q", "amq.direct", "k")
        #expect(fixture.vhost.exchange(named: "amq.direct")?.bindingCount == 1)
        try fixture.vhost.unbindQueue(
            "q", exchange: "amq.direct", routingKey: "k", arguments: [:], owner: CoreFixture.owner)
        #expect(try fixture.publish("amq.direct", "k") == .unroutable)
    }

    @Test func fanoutIgnoresRoutingKey() throws {
        let fixture = CoreFixture()
        try fixture.declareQueue("q1")
        try fixture.declareQueue("q2")
        try fixture.bind("q1", "amq.fanout", "")
        try fixture.bind("q2", "amq.fanout", "whatever")
        #expect(try fixture.publish("amq.fanout", "anything") == .routed(queueCount: 2))
    }

    @Test func headersAllRequiresEveryNonXArgument() throws {
        let fixture = CoreFixture()
        try fixture.declareQueue("q")
        try fixture.bind(
            "q", "amq.headers", "",
            ["x-match": .string("all"), "a": .int32(1), "b": .string("x"), "x-ignored": .string("y")])
        #expect(
            try fixture.publish("amq.headers", "", properties: .init(headers: ["a": .int64(1), "b": .string("x")]))
                == .routed(queueCount: 1))
        #expect(try fixture.publish("amq.headers", "", properties: .init(headers: ["a": .int64(1)])) == .unroutable)
        #expect(
            try fixture.publish("amq.headers", "", properties: .init(headers: ["a": .int64(2), "b": .string("x")]))
                == .unroutable)
        #expect(try fixture.publish("amq.headers", "") == .unroutable)
    }

    @Test func headersDefaultsToAllAndVoidMatchesPresence() throws {
        let fixture = CoreFixture()
        try fixture.declareQueue("q")
        try fixture.bind("q", "amq.match", "", ["present": .void])
        #expect(
            try fixture.publish("amq.match", "", properties: .init(headers: ["present": .boolean(false)]))
                == .routed(queueCount: 1))
        #expect(
            try fixture.publish("amq.match", "", properties: .init(headers: ["absent": .boolean(true)])) == .unroutable)
    }

    @Test func headersAnyNeedsOneMatch() throws {
        let fixture = CoreFixture()
        try fixture.declareQueue("q")
        try fixture.bind("q", "amq.headers", "", ["x-match": .string("any"), "a": .int32(1), "b": .int32(2)])
        #expect(
            try fixture.publish("amq.headers", "", properties: .init(headers: ["b": .int8(2)]))
                == .routed(queueCount: 1))
        #expect(
            try fixture.publish("amq.headers", "", properties: .init(headers: ["a": .int8(2), "b": .int8(1)]))
                == .unroutable)
    }

    @Test func headersAnyWithNoArgumentsMatchesNothingAllMatchesEverything() throws {
        let fixture = CoreFixture()
        try fixture.declareQueue("any")
        try fixture.declareQueue("all")
        try fixture.bind("any", "amq.headers", "", ["x-match": .string("any")])
        try fixture.bind("all", "amq.headers", "", ["x-match": .string("all")])
        #expect(
            try fixture.publish("amq.headers", "", properties: .init(headers: ["a": .int8(1)]))
                == .routed(queueCount: 1))
        #expect(fixture.vhost.queue(named: "all")?.readyCount == 1)
    }

    @Test func headersWithXVariantsCompareXArguments() throws {
        let fixture = CoreFixture()
        try fixture.declareQueue("allx")
        try fixture.declareQueue("anyx")
        try fixture.declareQueue("plain")
        try fixture.bind(
            "allx", "amq.headers", "", ["x-match": .string("all-with-x"), "x-tenant": .string("t1"), "a": .int32(1)])
        try fixture.bind(
            "anyx", "amq.headers", "", ["x-match": .string("any-with-x"), "x-tenant": .string("t1"), "a": .int32(9)])
        try fixture.bind("plain", "amq.headers", "", ["x-match": .string("any"), "x-tenant": .string("t1")])
        let outcome = try fixture.publish(
            "amq.headers",
            "",
            properties: .init(headers: ["x-tenant": .string("t1"), "a": .int32(1)])
        )
        #expect(outcome == .routed(queueCount: 2))
        #expect(fixture.vhost.queue(named: "allx")?.readyCount == 1)
        #expect(fixture.vhost.queue(named: "anyx")?.readyCount == 1)
        #expect(fixture.vhost.queue(named: "plain")?.readyCount == 0)
        #expect(
            try fixture.publish(
                "amq.headers", "", properties: .init(headers: ["x-tenant": .string("t2"), "a": .int32(1)]))
                == .unroutable)
    }

    @Test func headersUnbindRemovesOnlyThatRule() throws {
        let fixture = CoreFixture()
        try fixture.declareQueue("q")
        try fixture.bind("q", "amq.headers", "", ["a": .int32(1)])
        try fixture.bind("q", "amq.headers", "", ["b": .int32(2)])
        try fixture.vhost.unbindQueue(
            "q", exchange: "amq.headers", routingKey: "", arguments: ["a": .int32(1)], owner: CoreFixture.owner)
        #expect(try fixture.publish("amq.headers", "", properties: .init(headers: ["a": .int32(1)])) == .unroutable)
        #expect(
            try fixture.publish("amq.headers", "", properties: .init(headers: ["b": .int32(2)]))
                == .routed(queueCount: 1))
    }

    @Test func invalidXMatchIsRefused() throws {
        let fixture = CoreFixture()
        try fixture.declareQueue("q")
        #expect(throws: BrokerError.self) { try fixture.bind("q", "amq.headers", "", ["x-match": .string("some")]) }
        #expect(fixture.vhost.exchange(named: "amq.headers")?.bindingCount == 0)
    }

    @Test func exchangeToExchangeBindingsAreFollowed() throws {
        let fixture = CoreFixture()
        try fixture.declareExchange("edge", type: "topic")
        try fixture.declareExchange("inner", type: "direct")
        try fixture.declareQueue("q")
        try fixture.vhost.bindExchange(destination: "inner", source: "edge", routingKey: "orders.#", arguments: [:])
        try fixture.bind("q", "inner", "orders.eu")
        #expect(try fixture.publish("edge", "orders.eu") == .routed(queueCount: 1))
        #expect(try fixture.publish("edge", "orders.us") == .unroutable)
        try fixture.vhost.unbindExchange(destination: "inner", source: "edge", routingKey: "orders.#", arguments: [:])
        #expect(try fixture.publish("edge", "orders.eu") == .unroutable)
    }

    @Test func exchangeCyclesTerminateAndDeliverOncePerQueue() throws {
        let fixture = CoreFixture()
        try fixture.declareExchange("x1", type: "fanout")
        try fixture.declareExchange("x2", type: "fanout")
        try fixture.declareExchange("x3", type: "fanout")
        try fixture.vhost.bindExchange(destination: "x2", source: "x1", routingKey: "", arguments: [:])
        try fixture.vhost.bindExchange(destination: "x3", source: "x2", routingKey: "", arguments: [:])
        try fixture.vhost.bindExchange(destination: "x1", source: "x3", routingKey: "", arguments: [:])
        try fixture.vhost.bindExchange(destination: "x1", source: "x1", routingKey: "", arguments: [:])
        try fixture.declareQueue("q")
        try fixture.bind("q", "x1", "")
        try fixture.bind("q", "x2", "")
        try fixture.bind("q", "x3", "")
        #expect(try fixture.publish("x2", "k") == .routed(queueCount: 1))
        #expect(fixture.vhost.queue(named: "q")?.readyCount == 1)
    }

    @Test func alternateExchangeTakesUnroutedMessages() throws {
        let fixture = CoreFixture()
        try fixture.declareExchange("ae", type: "fanout")
        try fixture.declareExchange("main", type: "direct", arguments: ["alternate-exchange": .string("ae")])
        try fixture.declareQueue("routed")
        try fixture.declareQueue("unrouted")
        try fixture.bind("routed", "main", "k")
        try fixture.bind("unrouted", "ae", "")
        #expect(try fixture.publish("main", "k") == .routed(queueCount: 1))
        #expect(try fixture.publish("main", "nope") == .routed(queueCount: 1))
        #expect(try fixture.drain("routed") == ["m"])
        #expect(try fixture.drain("unrouted") == ["m"])
    }

    @Test func alternateExchangeCycleAndMissingAlternateAreUnroutable() throws {
        let fixture = CoreFixture()
        try fixture.declareExchange("a", type: "direct", arguments: ["alternate-exchange": .string("b")])
        try fixture.declareExchange("b", type: "direct", arguments: ["alternate-exchange": .string("a")])
        try fixture.declareExchange("c", type: "direct", arguments: ["alternate-exchange": .string("missing")])
        #expect(try fixture.publish("a", "k") == .unroutable)
        #expect(try fixture.publish("c", "k") == .unroutable)
    }

    @Test func defaultExchangeRoutesByQueueNameAndCannotBeChanged() throws {
        let fixture = CoreFixture()
        try fixture.declareQueue("q")
        #expect(try fixture.publish("", "q") == .routed(queueCount: 1))
        #expect(try fixture.publish("", "missing") == .unroutable)
        #expect(throws: BrokerError.accessRefused("operation not permitted on the default exchange")) {
            try fixture.bind("q", "", "q")
        }
        #expect(throws: BrokerError.self) {
            try fixture.vhost.unbindQueue("q", exchange: "", routingKey: "q", arguments: [:], owner: CoreFixture.owner)
        }
        #expect(throws: BrokerError.self) { try fixture.vhost.deleteExchange("", ifUnused: false) }
        #expect(throws: BrokerError.self) { try fixture.declareExchange("", type: "direct") }
        try fixture.vhost.declareExchange(
            "", type: "direct", durable: true, autoDelete: false, internal: false, arguments: [:], passive: true)
    }

    @Test func builtInExchangesExistAndAreProtected() throws {
        let fixture = CoreFixture()
        for (name, type) in [
            ("amq.direct", "direct"), ("amq.fanout", "fanout"), ("amq.topic", "topic"), ("amq.headers", "headers"),
            ("amq.match", "headers"),
        ] {
            let exchange = try #require(fixture.vhost.exchange(named: name))
            #expect(exchange.type.rawValue == type)
            #expect(exchange.durable)
            try fixture.vhost.declareExchange(
                name, type: type, durable: true, autoDelete: false, internal: false, arguments: [:], passive: false)
        }
        #expect(throws: BrokerError.accessRefused("exchange name 'amq.direct' contains reserved prefix 'amq.*'")) {
            try fixture.vhost.declareExchange(
                "amq.direct", type: "fanout", durable: true, autoDelete: false, internal: false, arguments: [:],
                passive: false)
        }
        #expect(throws: BrokerError.accessRefused("exchange name 'amq.custom' contains reserved prefix 'amq.*'")) {
            try fixture.declareExchange("amq.custom", type: "direct")
        }
        #expect(throws: BrokerError.self) { try fixture.vhost.deleteExchange("amq.topic", ifUnused: false) }
    }

    @Test func exchangeDeclareErrors() throws {
        let fixture = CoreFixture()
        #expect(throws: BrokerError.commandInvalid("unknown exchange type 'x-weird'")) {
            try fixture.declareExchange("e", type: "x-weird")
        }
        try fixture.declareExchange("e", type: "direct")
        try fixture.declareExchange("e", type: "direct")
        #expect(throws: BrokerError.preconditionFailed("inequivalent arguments for exchange 'e' in vhost '/'")) {
            try fixture.declareExchange("e", type: "topic")
        }
        #expect(throws: BrokerError.self) { try fixture.declareExchange("e", type: "direct", autoDelete: true) }
        #expect(throws: BrokerError.self) {
            try fixture.declareExchange("e", type: "direct", arguments: ["alternate-exchange": .string("x")])
        }
        #expect(throws: BrokerError.notFound("no exchange 'nope' in vhost '/'")) {
            try fixture.vhost.declareExchange(
                "nope", type: "direct", durable: false, autoDelete: false, internal: false, arguments: [:],
                passive: true)
        }
    }

    @Test func publishingToMissingOrInternalExchangeFails() throws {
        let fixture = CoreFixture()
        try fixture.declareExchange("hidden", type: "fanout", internal: true)
        #expect(throws: BrokerError.notFound("no exchange 'nope' in vhost '/'")) { try fixture.publish("nope", "k") }
        #expect(throws: BrokerError.self) { try fixture.publish("hidden", "k") }
        do {
            _ = try fixture.publish("hidden", "k")
        } catch {
            #expect(error.kind == .accessRefused)
        }
    }

    @Test func internalExchangeReceivesThroughExchangeBindings() throws {
        let fixture = CoreFixture()
        try fixture.declareExchange("hidden", type: "fanout", internal: true)
        try fixture.declareQueue("q")
        try fixture.bind("q", "hidden", "")
        try fixture.vhost.bindExchange(destination: "hidden", source: "amq.fanout", routingKey: "", arguments: [:])
        #expect(try fixture.publish("amq.fanout", "") == .routed(queueCount: 1))
    }

    @Test func deleteExchangeIfUnusedAndCleanup() throws {
        let fixture = CoreFixture()
        try fixture.declareExchange("e", type: "direct")
        try fixture.declareQueue("q")
        try fixture.bind("q", "e", "k")
        #expect(throws: BrokerError.preconditionFailed("exchange 'e' in vhost '/' in use")) {
            try fixture.vhost.deleteExchange("e", ifUnused: true)
        }
        try fixture.vhost.deleteExchange("e", ifUnused: false)
        #expect(fixture.vhost.exchange(named: "e") == nil)
        #expect(!fixture.vhost.bindings.contains { $0.source == "e" })
        try fixture.vhost.deleteExchange("e", ifUnused: false)
        try fixture.declareExchange("e", type: "direct")
        #expect(try fixture.publish("e", "k") == .unroutable)
    }

    @Test func autoDeleteExchangeGoesWithItsLastBinding() throws {
        let fixture = CoreFixture()
        try fixture.declareExchange("auto", type: "fanout", autoDelete: true)
        try fixture.declareQueue("q1")
        try fixture.declareQueue("q2")
        try fixture.bind("q1", "auto", "")
        try fixture.bind("q2", "auto", "")
        try fixture.vhost.unbindQueue("q1", exchange: "auto", routingKey: "", arguments: [:], owner: CoreFixture.owner)
        #expect(fixture.vhost.exchange(named: "auto") != nil)
        _ = try fixture.vhost.deleteQueue("q2", ifUnused: false, ifEmpty: false, owner: CoreFixture.owner)
        #expect(fixture.vhost.exchange(named: "auto") == nil)
    }

    @Test func bindingsToMissingEntitiesAreNotFound() throws {
        let fixture = CoreFixture()
        try fixture.declareQueue("q")
        #expect(throws: BrokerError.notFound("no exchange 'nope' in vhost '/'")) { try fixture.bind("q", "nope", "k") }
        #expect(throws: BrokerError.notFound("no queue 'nope' in vhost '/'")) {
            try fixture.bind("nope", "amq.direct", "k")
        }
        #expect(throws: BrokerError.self) {
            try fixture.vhost.bindExchange(destination: "nope", source: "amq.direct", routingKey: "", arguments: [:])
        }
    }

    @Test func bindingsListIncludesDefaultBinding() throws {
        let fixture = CoreFixture()
        try fixture.declareQueue("q")
        try fixture.bind("q", "amq.direct", "k")
        let bindings = fixture.vhost.bindings
        #expect(
            bindings.contains(
                BindingInfo(source: "", destination: "q", destinationKind: .queue, routingKey: "q", arguments: [:])))
        #expect(
            bindings.contains(
                BindingInfo(
                    source: "amq.direct", destination: "q", destinationKind: .queue, routingKey: "k", arguments: [:])))
    }
}
