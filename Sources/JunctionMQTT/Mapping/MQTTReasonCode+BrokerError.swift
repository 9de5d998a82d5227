public import JunctionCore
public import JunctionMQTTCodec

extension MQTTReasonCode {
    /// The one table from engine and decoding failures to MQTT reason codes.
    public init(_ error: BrokerError) {
        switch error.kind {
        case .accessRefused, .notAllowed, .resourceLocked: self = .notAuthorized
        case .notFound: self = .topicNameInvalid
        case .preconditionFailed, .commandInvalid: self = .implementationSpecificError
        case .notImplemented: self = .implementationSpecificError
        case .resourceError: self = .quotaExceeded
        case .internalError: self = .unspecifiedError
        }
    }

    /// Decoding failures: a packet too large is 0x95, a protocol violation in an otherwise
    /// well-formed packet (duplicate property, bad property value) 0x82, anything else 0x81.
    public init(_ error: MQTTDecodingError) {
        switch error {
        case .packetTooLarge: self = .packetTooLarge
        case .unsupportedProtocol: self = .unsupportedProtocolVersion
        case .duplicateProperty, .invalidPropertyValue, .propertyNotAllowed: self = .protocolError
        default: self = .malformedPacket
        }
    }
}
