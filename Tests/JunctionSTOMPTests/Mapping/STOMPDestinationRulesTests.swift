import Testing

@testable import JunctionSTOMP

/// What SEND and SUBSCRIBE do with each kind of destination (RabbitMQ's STOMP conventions).
@Suite("STOMP destination rules")
struct STOMPDestinationRulesTests {
    @Test func sendRoutes() {
        #expect(
            STOMPDestination.queue("orders").publishTarget
                == .route(exchange: "", routingKey: "orders", declaring: "orders"))
        #expect(STOMPDestination.amqQueue("q").publishTarget == .route(exchange: "", routingKey: "q", declaring: nil))
        #expect(
            STOMPDestination.replyQueue("amq.gen-1").publishTarget
                == .route(exchange: "", routingKey: "amq.gen-1", declaring: nil))
        #expect(
            STOMPDestination.topic("a.b").publishTarget
                == .route(exchange: "amq.topic", routingKey: "a.b", declaring: nil))
        #expect(
            STOMPDestination.exchange("logs", routingKey: "").publishTarget
                == .route(exchange: "logs", routingKey: "", declaring: nil))
        #expect(STOMPDestination.tempQueue("replies").publishTarget == .tempQueue("replies"))
    }

    @Test func subscribeSources() {
        #expect(STOMPDestination.queue("orders").subscribeSource == .declaredQueue("orders"))
        #expect(STOMPDestination.amqQueue("q").subscribeSource == .existingQueue("q"))
        #expect(STOMPDestination.replyQueue("r").subscribeSource == .existingQueue("r"))
        #expect(STOMPDestination.tempQueue("t").subscribeSource == .tempQueue("t"))
        #expect(STOMPDestination.topic("a.#").subscribeSource == .binding(exchange: "amq.topic", routingKey: "a.#"))
        #expect(
            STOMPDestination.exchange("x", routingKey: "k/1").subscribeSource
                == .binding(exchange: "x", routingKey: "k/1"))
        #expect(STOMPDestination.durableSubscriptionQueue(id: "sub-1") == "stomp-subscription-sub-1")
    }
}
