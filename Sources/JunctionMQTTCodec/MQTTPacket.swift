public import JunctionModel
public import NIOCore

/// Every MQTT control packet as a value.
public enum MQTTPacket: Equatable, Sendable {
    case connect(MQTTConnect)
    case connAck(MQTTConnAck)
    case publish(MQTTPublish)
    case pubAck(MQTTPublishResponse)
    case pubRec(MQTTPublishResponse)
    case pubRel(MQTTPublishResponse)
    case pubComp(MQTTPublishResponse)
    case subscribe(MQTTSubscribe)
    case subAck(MQTTSubAck)
    case unsubscribe(MQTTUnsubscribe)
    case unsubAck(MQTTSubAck)
    case pingReq
    case pingResp
    case disconnect(MQTTDisconnect)
    /// MQTT 5 only.
    case auth(MQTTDisconnect)

    /// Decodes a framed packet. `version` is the session's (CONNECT carries its own).
    public static func decode(
        _ raw: MQTTRawPacket, version: MQTTProtocolVersion
    ) throws(MQTTDecodingError) -> MQTTPacket {
        var topics = RepeatedStringCache()
        return try Self.decode(raw, version: version, topics: &topics)
    }

    /// Decodes with the connection's last PUBLISH topic at hand: a publisher repeats it (see `RepeatedStringCache`).
    public static func decode(
        _ raw: MQTTRawPacket, version: MQTTProtocolVersion, topics: inout RepeatedStringCache
    ) throws(MQTTDecodingError) -> MQTTPacket {
        var body = raw.body
        let flags = raw.flags
        switch raw.type {
        case .connect: return .connect(try MQTTConnect.decode(&body, flags: flags))
        case .connAck: return .connAck(try MQTTConnAck.decode(&body, flags: flags, version: version))
        case .publish: return .publish(try MQTTPublish.decode(&body, flags: flags, version: version, topics: &topics))
        case .pubAck:
            return .pubAck(try MQTTPublishResponse.decode(&body, type: raw.type, flags: flags, version: version))
        case .pubRec:
            return .pubRec(try MQTTPublishResponse.decode(&body, type: raw.type, flags: flags, version: version))
        case .pubRel:
            return .pubRel(try MQTTPublishResponse.decode(&body, type: raw.type, flags: flags, version: version))
        case .pubComp:
            return .pubComp(try MQTTPublishResponse.decode(&body, type: raw.type, flags: flags, version: version))
        case .subscribe: return .subscribe(try MQTTSubscribe.decode(&body, flags: flags, version: version))
        case .subAck: return .subAck(try MQTTSubAck.decode(&body, type: raw.type, flags: flags, version: version))
        case .unsubscribe: return .unsubscribe(try MQTTUnsubscribe.decode(&body, flags: flags, version: version))
        case .unsubAck: return .unsubAck(try MQTTSubAck.decode(&body, type: raw.type, flags: flags, version: version))
        case .pingReq, .pingResp:
            guard flags == 0 else { throw .reservedFlags(packetType: raw.type.rawValue, flags: flags) }
            guard body.readableBytes == 0 else { throw .trailingBytes }
            return raw.type == .pingReq ? .pingReq : .pingResp
        case .disconnect:
            return .disconnect(try MQTTDisconnect.decode(&body, type: raw.type, flags: flags, version: version))
        case .auth:
            // Type 15 is reserved in 3.1.1.
            guard version == .v5 else { throw .unknownPacketType(15) }
            return .auth(try MQTTDisconnect.decode(&body, type: raw.type, flags: flags, version: version))
        }
    }

    /// Decodes one packet from the front of `buffer` (framing and body); nil when incomplete.
    public static func decode(
        from buffer: inout ByteBuffer,
        version: MQTTProtocolVersion,
        maximumPacketSize: Int = MQTTLimits.maximumVariableByteInteger
    ) throws(MQTTDecodingError) -> MQTTPacket? {
        guard let raw = try MQTTPacketDecoder(maximumPacketSize: maximumPacketSize).decodePacket(buffer: &buffer) else {
            return nil
        }
        return try Self.decode(raw, version: version)
    }
}

extension ByteBuffer {
    /// Encodes one packet in the given protocol version; returns the bytes written.
    @discardableResult
    public mutating func writeMQTTPacket(_ packet: MQTTPacket, version: MQTTProtocolVersion) -> Int {
        let start = self.writerIndex
        switch packet {
        case .connect(let p): p.encode(into: &self)
        case .connAck(let p): p.encode(into: &self, version: version)
        case .publish(let p): p.encode(into: &self, version: version)
        case .pubAck(let p): p.encode(into: &self, type: .pubAck, version: version)
        case .pubRec(let p): p.encode(into: &self, type: .pubRec, version: version)
        case .pubRel(let p): p.encode(into: &self, type: .pubRel, version: version)
        case .pubComp(let p): p.encode(into: &self, type: .pubComp, version: version)
        case .subscribe(let p): p.encode(into: &self, version: version)
        case .subAck(let p): p.encode(into: &self, type: .subAck, version: version)
        case .unsubscribe(let p): p.encode(into: &self, version: version)
        case .unsubAck(let p): p.encode(into: &self, type: .unsubAck, version: version)
        case .pingReq: self.writeBytes([MQTTPacketType.pingReq.rawValue << 4, 0])
        case .pingResp: self.writeBytes([MQTTPacketType.pingResp.rawValue << 4, 0])
        case .disconnect(let p): p.encode(into: &self, type: .disconnect, version: version)
        case .auth(let p): p.encode(into: &self, type: .auth, version: version)
        }
        return self.writerIndex - start
    }
}
