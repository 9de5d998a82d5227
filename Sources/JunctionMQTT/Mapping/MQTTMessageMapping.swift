import JunctionCore
public import JunctionMQTTCodec
public import JunctionModel
import NIOCore

/// PUBLISH ↔ `Message`. See `protocols/mqtt/README.md` for the table.
public enum MQTTMessageMapping {
    /// Header carrying the MQTT QoS of a QoS 2 publish (QoS 1 is delivery mode 2, QoS 0 mode 1).
    public static let qosHeader = "x-mqtt-publish-qos"
    /// Header set when the PUBLISH had the retain flag (for retain-as-published).
    public static let retainHeader = "x-mqtt-retain"
    /// Header naming the publishing client, set only while some subscription asks for no-local.
    public static let publisherHeader = "x-mqtt-publisher"
    /// Wall-clock milliseconds when a PUBLISH with a Message Expiry Interval was received, so a
    /// subscriber is sent the time left [MQTT-3.3.2-6], not the original interval.
    public static let publishedAtHeader = "x-mqtt-published-at"
    /// Correlation data that is not UTF-8 travels in this header as bytes.
    public static let correlationDataHeader = "x-correlation-data"
    /// The MQTT 5 Payload Format Indicator (0 unspecified bytes, 1 UTF-8), as published: MQTT
    /// subscribers get it back unaltered [MQTT-3.3.2-4]; AMQP, STOMP and HTTP consumers see it
    /// as this header (the `x-mqtt-` prefix of the adapter's other headers).
    public static let payloadFormatIndicatorHeader = "x-mqtt-payload-format-indicator"
    /// RabbitMQ's header for an MQTT 5 Response Topic, as an `amq.topic` routing key: an AMQP service
    /// answers an MQTT requester by publishing to `amq.topic` with it; set by an AMQP requester, it
    /// becomes the Response Topic an MQTT 5 responder sees.
    public static let replyToTopicHeader = "x-reply-to-topic"

    /// The message an inbound PUBLISH becomes. `topic` is the resolved topic (after aliases);
    /// `receivedAt` (wall-clock milliseconds) is stamped on messages that expire.
    /// `routingKey`: the topic's routing key when the caller already has it (a connection keeps the last one).
    public static func message(
        from publish: MQTTPublish,
        topic: String,
        exchange: String,
        publisher: String?,
        receivedAt: UInt64? = nil,
        routingKey: String? = nil
    ) -> Message {
        var properties = MessageProperties()
        properties.deliveryMode = publish.qos == .atMostOnce ? 1 : 2
        let mqtt = publish.properties
        properties.contentType = mqtt.contentType
        properties.replyTo = mqtt.responseTopic
        if let interval = mqtt.messageExpiryInterval {
            properties.expiration = String(UInt64(interval) * 1000)
        }
        var headers: FieldTable?
        func header(_ key: String, _ value: FieldValue) {
            if headers == nil { headers = FieldTable() }
            headers!.entries.append((key, value))
        }
        if let correlation = mqtt.correlationData {
            if let text = correlation.getString(at: correlation.readerIndex, length: correlation.readableBytes),
                text.utf8.count == correlation.readableBytes, String(validating: text.utf8, as: UTF8.self) != nil
            {
                properties.correlationID = text
            } else {
                header(Self.correlationDataHeader, .byteArray(Array(correlation.readableBytesView)))
            }
        }
        for property in mqtt.userProperties where !Self.isBrokerHeader(property.name) {
            header(property.name, .string(property.value))
        }
        if let indicator = mqtt.payloadFormatIndicator { header(Self.payloadFormatIndicatorHeader, .uint8(indicator)) }
        if let responseTopic = mqtt.responseTopic {
            header(Self.replyToTopicHeader, .string(MQTTTopic.routingKey(forTopic: responseTopic)))
        }
        if publish.qos == .exactlyOnce { header(Self.qosHeader, .uint8(2)) }
        if publish.retain { header(Self.retainHeader, .boolean(true)) }
        if let publisher { header(Self.publisherHeader, .string(publisher)) }
        if mqtt.messageExpiryInterval != nil, let receivedAt {
            header(Self.publishedAtHeader, .int64(Int64(clamping: receivedAt)))
        }
        properties.headers = headers
        return Message(
            exchange: exchange,
            routingKey: routingKey ?? MQTTTopic.routingKey(forTopic: topic),
            properties: properties,
            body: publish.payload
        )
    }

    /// Headers the adapter sets itself (`x-mqtt-publisher`, `x-mqtt-publish-qos`, ...): a client's
    /// user property with such a name is not copied into the headers, so it cannot pose as the
    /// broker's (no-local and the published QoS read them).
    public static func isBrokerHeader(_ name: String) -> Bool {
        name.hasPrefix("x-mqtt-") || name == Self.correlationDataHeader || name == Self.replyToTopicHeader
    }

    /// The QoS a message was published with: the QoS header, else delivery mode 2 → 1, else 0.
    public static func publishedQoS(of message: Message) -> MQTTQoS {
        if let value = message.properties.headers?[Self.qosHeader]?.integerValue,
            let qos = MQTTQoS(rawValue: UInt8(clamping: value))
        {
            return qos
        }
        return message.properties.deliveryMode == 2 ? .atLeastOnce : .atMostOnce
    }

    public static func wasRetained(_ message: Message) -> Bool {
        message.properties.headers?[Self.retainHeader] == .boolean(true)
    }

    /// Milliseconds of `expiration` not yet used up since the message was received; the whole
    /// interval when it was not stamped (e.g. published over AMQP). At least 1, since a message
    /// still delivered has not expired in the engine.
    static func timeLeft(_ expiration: UInt64, of message: Message, now: UInt64?) -> UInt64 {
        guard let now, let stamp = message.properties.headers?[Self.publishedAtHeader]?.integerValue, stamp >= 0 else {
            return expiration
        }
        let elapsed = now > UInt64(stamp) ? now - UInt64(stamp) : 0
        return elapsed >= expiration ? 1 : expiration - elapsed
    }

    public static func publisher(of message: Message) -> String? {
        message.properties.headers?[Self.publisherHeader]?.stringValue
    }

    /// The PUBLISH sent to a subscriber (packet id, topic alias and subscription identifiers are
    /// filled in by the session). MQTT 5 properties are only encoded for 5.0 clients. With `now`
    /// (wall-clock milliseconds), the expiry of a message stamped when received is the time left.
    /// `topic`: the routing key's topic when the caller already has it (a connection keeps the last one).
    public static func publish(
        from message: Message,
        qos: MQTTQoS,
        retain: Bool,
        version: MQTTProtocolVersion,
        now: UInt64? = nil,
        topic: String? = nil
    ) -> MQTTPublish {
        var properties = MQTTProperties()
        if version == .v5 {
            let source = message.properties
            properties.contentType = source.contentType
            properties.responseTopic = source.replyTo
            if let correlation = source.correlationID {
                properties.correlationData = ByteBuffer(string: correlation)
            }
            if let expiration = source.expiration, let milliseconds = UInt64(expiration) {
                let left = Self.timeLeft(milliseconds, of: message, now: now)
                properties.messageExpiryInterval = UInt32(clamping: (left + 999) / 1000)
            }
            if let headers = source.headers {
                for (key, value) in headers {
                    switch key {
                    case Self.qosHeader, Self.retainHeader, Self.publisherHeader, Self.publishedAtHeader:
                        continue
                    case Self.replyToTopicHeader:
                        if let key = value.stringValue {
                            properties.responseTopic = MQTTTopic.topic(forRoutingKey: key)
                        }
                    case Self.correlationDataHeader:
                        if case .byteArray(let bytes) = value { properties.correlationData = ByteBuffer(bytes: bytes) }
                    case Self.payloadFormatIndicatorHeader:
                        // Only the two values MQTT defines; any other is not a valid indicator.
                        if let indicator = value.integerValue, indicator == 0 || indicator == 1 {
                            properties.payloadFormatIndicator = UInt8(indicator)
                        }
                    default:
                        if let text = Self.text(of: value) {
                            properties.userProperties.append(MQTTUserProperty(name: key, value: text))
                        }
                    }
                }
            }
        }
        return MQTTPublish(
            topic: topic ?? MQTTTopic.topic(forRoutingKey: message.routingKey),
            qos: qos,
            retain: retain,
            properties: properties,
            payload: message.body
        )
    }

    private static func text(of value: FieldValue) -> String? {
        if let string = value.stringValue { return string }
        if let integer = value.integerValue { return String(integer) }
        switch value {
        case .boolean(let flag): return flag ? "true" : "false"
        case .float(let number): return String(number)
        case .double(let number): return String(number)
        default: return nil
        }
    }
}
