import JunctionSTOMP
import Testing

@Suite("STOMP destinations")
struct STOMPDestinationTests {
    @Test(arguments: [
        ("/queue/orders", STOMPDestination.queue("orders")),
        ("/queue/a/b", .queue("a/b")),
        ("/topic/sensors.room1.temp", .topic("sensors.room1.temp")),
        ("/topic/a.*.#", .topic("a.*.#")),
        ("/exchange/amq.direct/key", .exchange("amq.direct", routingKey: "key")),
        ("/exchange/logs", .exchange("logs", routingKey: "")),
        ("/exchange/x/a/b", .exchange("x", routingKey: "a/b")),
        ("/amq/queue/existing", .amqQueue("existing")),
        ("/temp-queue/replies", .tempQueue("replies")),
        ("/reply-queue/amq.gen-1", .replyQueue("amq.gen-1")),
    ])
    func parsesAndFormats(text: String, destination: STOMPDestination) {
        #expect(STOMPDestination(text) == destination)
        #expect(destination.text == text)
    }

    @Test(arguments: ["", "queue/a", "/queue/", "/topic/", "/exchange/", "/exchange//k", "/unknown/a", "/amq/queue/"])
    func rejects(text: String) {
        #expect(STOMPDestination(text) == nil)
    }

    @Test func publishAddress() {
        #expect(STOMPDestination.of(exchange: "", routingKey: "q") == .queue("q"))
        #expect(STOMPDestination.of(exchange: "amq.topic", routingKey: "a.b") == .topic("a.b"))
        #expect(STOMPDestination.of(exchange: "x", routingKey: "k") == .exchange("x", routingKey: "k"))
    }
}
