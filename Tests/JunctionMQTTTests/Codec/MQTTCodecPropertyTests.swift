import JunctionMQTT
import JunctionMQTTCodec
import NIOCore
import PropertyBased
import Testing

/// Round trips over generated packets: PUBLISH and SUBSCRIBE in both versions, MQTT 5 with every property.
@Suite struct MQTTCodecPropertyTests {
    @Test(arguments: [MQTTProtocolVersion.v311, .v5])
    func publishPacketsRoundTrip(_ version: MQTTProtocolVersion) async {
        await propertyCheck(count: 200, input: MQTTGenerators.publish(version)) { publish in
            var buffer = ByteBuffer()
            buffer.writeMQTTPacket(.publish(publish), version: version)
            #expect((try? MQTTPacket.decode(from: &buffer, version: version)) == .publish(publish))
            #expect(buffer.readableBytes == 0)
        }
    }

    @Test(arguments: [MQTTProtocolVersion.v311, .v5])
    func subscribePacketsRoundTrip(_ version: MQTTProtocolVersion) async {
        await propertyCheck(count: 200, input: MQTTGenerators.subscribe(version)) { subscribe in
            var buffer = ByteBuffer()
            buffer.writeMQTTPacket(.subscribe(subscribe), version: version)
            #expect((try? MQTTPacket.decode(from: &buffer, version: version)) == .subscribe(subscribe))
            #expect(buffer.readableBytes == 0)
        }
    }
}

/// Generators of valid MQTT packets, seeded by the property checker.
enum MQTTGenerators {
    static let alphabet: [Character] = ["a", "b", "z", "0", "/", "-", "_", " ", "é", "€", "😀", "$"]

    static func text(using rng: inout any SeededRandomNumberGenerator, minCount: Int = 0, maxCount: Int) -> String {
        String(
            (0..<Int.random(in: minCount...maxCount, using: &rng)).map { _ in Self.alphabet.randomElement(using: &rng)!
            }
        )
    }

    static func bytes(using rng: inout any SeededRandomNumberGenerator, maxCount: Int) -> ByteBuffer {
        ByteBuffer(
            bytes: (0..<Int.random(in: 0...maxCount, using: &rng)).map { _ in UInt8.random(in: 0...255, using: &rng) })
    }

    static func publish(_ version: MQTTProtocolVersion) -> Generator<MQTTPublish, Shrink.None<MQTTPublish>> {
        Generator { rng in
            let qos = MQTTQoS.allCases.randomElement(using: &rng)!
            return MQTTPublish(
                topic: Self.text(using: &rng, minCount: 1, maxCount: 30),
                qos: qos,
                retain: Bool.random(using: &rng),
                dup: qos != .atMostOnce && Bool.random(using: &rng),
                packetID: qos == .atMostOnce ? nil : MQTTPacketID(UInt16.random(in: 1...UInt16.max, using: &rng)),
                properties: version == .v5 ? Self.properties(using: &rng) : MQTTProperties(),
                payload: Self.bytes(using: &rng, maxCount: 200)
            )
        }
    }

    static func subscribe(_ version: MQTTProtocolVersion) -> Generator<MQTTSubscribe, Shrink.None<MQTTSubscribe>> {
        Generator { rng in
            let subscriptions = (0..<Int.random(in: 1...5, using: &rng)).map { _ in
                MQTTSubscription(
                    filter: Bool.random(using: &rng)
                        ? ["a/+/b", "#", "a/b/#", "$share/g/x/#", "+", "$SYS/#"].randomElement(using: &rng)!
                        : Self.text(using: &rng, minCount: 1, maxCount: 20),
                    qos: MQTTQoS.allCases.randomElement(using: &rng)!,
                    noLocal: version == .v5 && Bool.random(using: &rng),
                    retainAsPublished: version == .v5 && Bool.random(using: &rng),
                    retainHandling: version == .v5
                        ? [.sendOnSubscribe, .sendOnNewSubscribe, .doNotSend].randomElement(using: &rng)!
                        : .sendOnSubscribe
                )
            }
            var properties = MQTTProperties()
            if version == .v5 {
                if Bool.random(using: &rng) {
                    properties.subscriptionIdentifiers = [Int.random(in: 1...268_435_455, using: &rng)]
                }
                properties.userProperties = Self.userProperties(using: &rng)
            }
            return MQTTSubscribe(
                packetID: MQTTPacketID(UInt16.random(in: 1...UInt16.max, using: &rng)), subscriptions: subscriptions,
                properties: properties)
        }
    }

    static func userProperties(using rng: inout any SeededRandomNumberGenerator) -> [MQTTUserProperty] {
        (0..<Int.random(in: 0...3, using: &rng)).map { _ in
            MQTTUserProperty(name: Self.text(using: &rng, maxCount: 10), value: Self.text(using: &rng, maxCount: 10))
        }
    }

    /// Every property, each present or not, with values the decoder accepts.
    static func properties(using rng: inout any SeededRandomNumberGenerator) -> MQTTProperties {
        var p = MQTTProperties()
        func maybe(_ rng: inout any SeededRandomNumberGenerator) -> Bool { Int.random(in: 0..<3, using: &rng) == 0 }
        if maybe(&rng) { p.payloadFormatIndicator = UInt8.random(in: 0...1, using: &rng) }
        if maybe(&rng) { p.messageExpiryInterval = UInt32.random(in: 0...UInt32.max, using: &rng) }
        if maybe(&rng) { p.contentType = Self.text(using: &rng, maxCount: 20) }
        if maybe(&rng) { p.responseTopic = Self.text(using: &rng, minCount: 1, maxCount: 20) }
        if maybe(&rng) { p.correlationData = Self.bytes(using: &rng, maxCount: 16) }
        if maybe(&rng) {
            p.subscriptionIdentifiers = (0..<Int.random(in: 1...3, using: &rng)).map { _ in
                Int.random(in: 1...268_435_455, using: &rng)
            }
        }
        if maybe(&rng) { p.sessionExpiryInterval = UInt32.random(in: 0...UInt32.max, using: &rng) }
        if maybe(&rng) { p.assignedClientIdentifier = Self.text(using: &rng, maxCount: 20) }
        if maybe(&rng) { p.serverKeepAlive = UInt16.random(in: 0...UInt16.max, using: &rng) }
        if maybe(&rng) { p.authenticationMethod = Self.text(using: &rng, maxCount: 10) }
        if maybe(&rng) { p.authenticationData = Self.bytes(using: &rng, maxCount: 16) }
        if maybe(&rng) { p.requestProblemInformation = UInt8.random(in: 0...1, using: &rng) }
        if maybe(&rng) { p.willDelayInterval = UInt32.random(in: 0...UInt32.max, using: &rng) }
        if maybe(&rng) { p.requestResponseInformation = UInt8.random(in: 0...1, using: &rng) }
        if maybe(&rng) { p.responseInformation = Self.text(using: &rng, maxCount: 10) }
        if maybe(&rng) { p.serverReference = Self.text(using: &rng, maxCount: 10) }
        if maybe(&rng) { p.reasonString = Self.text(using: &rng, maxCount: 10) }
        if maybe(&rng) { p.receiveMaximum = UInt16.random(in: 1...UInt16.max, using: &rng) }
        if maybe(&rng) { p.topicAliasMaximum = UInt16.random(in: 0...UInt16.max, using: &rng) }
        if maybe(&rng) { p.topicAlias = UInt16.random(in: 1...UInt16.max, using: &rng) }
        if maybe(&rng) { p.maximumQoS = UInt8.random(in: 0...1, using: &rng) }
        if maybe(&rng) { p.retainAvailable = UInt8.random(in: 0...1, using: &rng) }
        p.userProperties = Self.userProperties(using: &rng)
        if maybe(&rng) { p.maximumPacketSize = UInt32.random(in: 1...UInt32.max, using: &rng) }
        if maybe(&rng) { p.wildcardSubscriptionAvailable = UInt8.random(in: 0...1, using: &rng) }
        if maybe(&rng) { p.subscriptionIdentifierAvailable = UInt8.random(in: 0...1, using: &rng) }
        if maybe(&rng) { p.sharedSubscriptionAvailable = UInt8.random(in: 0...1, using: &rng) }
        return p
    }
}
