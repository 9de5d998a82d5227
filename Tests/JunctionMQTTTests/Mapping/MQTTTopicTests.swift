import Testing

@testable import JunctionMQTT

@Suite struct MQTTTopicTests {
    /// (filter, topic, matches)
    static let table: [(String, String, Bool)] = [
        ("a/b/c", "a/b/c", true),
        ("a/b/c", "a/b", false),
        ("a/b", "a/b/c", false),
        ("a/b/c", "a/b/d", false),
        ("A/b", "a/b", false),
        ("+", "a", true),
        ("+", "a/b", false),
        ("+", "", true),
        ("+/+", "a/b", true),
        ("+/+", "/b", true),
        ("+/+", "a/", true),
        ("+/b", "a/b", true),
        ("+/b", "a/c", false),
        ("a/+", "a/b", true),
        ("a/+", "a", false),
        ("a/+", "a/", true),
        ("a/+/c", "a/b/c", true),
        ("a/+/c", "a//c", true),
        ("a/+/c", "a/b/d", false),
        ("a/+/+", "a/b/c", true),
        ("#", "a", true),
        ("#", "a/b/c", true),
        ("#", "/", true),
        ("#", "", true),
        ("a/#", "a", true),
        ("a/#", "a/b", true),
        ("a/#", "a/b/c/d", true),
        ("a/#", "b/a", false),
        ("a/#", "ab", false),
        ("a/b/#", "a/b", true),
        ("+/#", "a", true),
        ("+/#", "a/b/c", true),
        ("/#", "/a", true),
        ("/#", "a", false),
        ("/+", "/a", true),
        ("//", "//", true),
        ("a//b", "a//b", true),
        ("a//b", "a/b", false),
        ("sport/tennis/+", "sport/tennis/player1", true),
        ("sport/tennis/+", "sport/tennis/player1/ranking", false),
        ("sport/#", "sport", true),
        ("#", "$SYS/broker", false),
        ("+/broker", "$SYS/broker", false),
        ("$SYS/#", "$SYS/broker", true),
        ("$SYS/+", "$SYS/broker", true),
        ("a/$b", "a/$b", true),
        ("+/$b", "a/$b", true),
        ("ü/+", "ü/ß", true),
    ]

    @Test(arguments: Self.table)
    func matching(_ filter: String, _ topic: String, _ expected: Bool) {
        #expect(MQTTTopic.matches(filter: filter, topic: topic) == expected, "\(filter) vs \(topic)")
    }

    @Test func tableHasFortyCasesOrMore() {
        #expect(Self.table.count >= 40)
    }

    @Test func filterValidation() {
        for valid in ["#", "+", "a/#", "a/+/b", "+/+", "/", "a//b", "$SYS/#", "sport/tennis/#"] {
            #expect(MQTTTopic.isValidFilter(valid), "\(valid)")
        }
        for invalid in ["", "a#", "a/#/b", "#/a", "a+", "a/b+/c", "+a", "##"] {
            #expect(!MQTTTopic.isValidFilter(invalid), "\(invalid)")
        }
    }

    @Test func nameValidation() {
        #expect(MQTTTopic.isValidName("a/b"))
        #expect(MQTTTopic.isValidName("/"))
        #expect(!MQTTTopic.isValidName(""))
        #expect(!MQTTTopic.isValidName("a/+"))
        #expect(!MQTTTopic.isValidName("a/#"))
    }

    @Test func routingKeyMapping() {
        #expect(MQTTTopic.routingKey(forTopic: "a/b/c") == "a.b.c")
        #expect(MQTTTopic.routingKey(forTopic: "v1.2/x") == "v1/2.x")
        #expect(MQTTTopic.topic(forRoutingKey: "sensors.kitchen.temp") == "sensors/kitchen/temp")
        #expect(MQTTTopic.topic(forRoutingKey: MQTTTopic.routingKey(forTopic: "a.b/c")) == "a.b/c")
        #expect(MQTTTopic.bindingKey(forFilter: "sensors/+/temp") == "sensors.*.temp")
        #expect(MQTTTopic.bindingKey(forFilter: "a/#") == "a.#")
        #expect(MQTTTopic.bindingKey(forFilter: "#") == "#")
    }

    @Test func sharedSubscriptionFilters() {
        #expect(MQTTTopic.sharedSubscription("a/b") == .notShared)
        #expect(MQTTTopic.sharedSubscription("$share/workers/jobs/#") == .shared(group: "workers", filter: "jobs/#"))
        #expect(MQTTTopic.sharedSubscription("$share/workers") == .invalid)
        #expect(MQTTTopic.sharedSubscription("$share//a") == .invalid)
        #expect(MQTTTopic.sharedSubscription("$share/g+/a") == .invalid)
    }
}
