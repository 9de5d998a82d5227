import JunctionAMQP
import JunctionAMQPCodec
import JunctionCore
import JunctionCoreTestSupport
import JunctionModel
import NIOCore
import PropertyBased
import Testing

/// Round trips over generated values: every field-table value type, nested tables and arrays, every basic
/// property, through the same encoders and decoders the broker uses on the wire.
@Suite struct AMQPCodecPropertyTests {
    @Test func fieldTablesRoundTrip() async {
        await propertyCheck(count: 200, input: AMQPGenerators.fieldTable) { table in
            var buffer = ByteBuffer()
            buffer.writeBinaryFieldTable(table)
            let decoded = try? buffer.readBinaryFieldTable()
            #expect(decoded == table)
            #expect(buffer.readableBytes == 0)
        }
    }

    @Test func contentHeadersRoundTripThroughFrames() async {
        await propertyCheck(count: 200, input: AMQPGenerators.properties, Gen.uint64(in: 0...UInt64.max)) {
            properties, bodySize in
            let header = AMQPContentHeader(bodySize: bodySize, properties: properties)
            var buffer = ByteBuffer()
            buffer.writeAMQPContentHeaderFrame(channel: 3, header: header)
            // Twice: the second frame is decoded through the decoder's last-properties cache.
            buffer.writeAMQPContentHeaderFrame(channel: 3, header: header)
            var decoder = AMQPFrameDecoder(maxFrameSize: 0)
            #expect((try? decoder.decode(buffer: &buffer)) == .header(3, header))
            #expect((try? decoder.decode(buffer: &buffer)) == .header(3, header))
            #expect(buffer.readableBytes == 0)
        }
    }

    @Test func publishAndDeclareMethodsRoundTripThroughFrames() async {
        await propertyCheck(
            count: 200, input: AMQPGenerators.shortString, AMQPGenerators.shortString, AMQPGenerators.fieldTable,
            Gen.bool
        ) { name, key, arguments, flag in
            let methods: [AMQPMethod] = [
                .basicPublish(AMQPBasicPublish(exchange: name, routingKey: key, mandatory: flag, immediate: false)),
                .queueBind(
                    AMQPQueueBind(queue: name, exchange: key, routingKey: key, noWait: flag, arguments: arguments)),
                .exchangeDeclare(
                    AMQPExchangeDeclare(
                        exchange: name, type: "topic", passive: false, durable: flag, autoDelete: !flag,
                        internal: false,
                        noWait: false, arguments: arguments)),
            ]
            var decoder = AMQPFrameDecoder(maxFrameSize: 0)
            for method in methods {
                var buffer = ByteBuffer()
                buffer.writeAMQPMethodFrame(channel: 9, method: method)
                #expect((try? decoder.decode(buffer: &buffer)) == .method(9, method))
                #expect(buffer.readableBytes == 0)
            }
        }
    }
}

/// Generators of AMQP values, seeded by the property checker (so a failure names a seed that replays it).
enum AMQPGenerators {
    /// Short strings (at most 255 bytes on the wire), ASCII and multi-byte UTF-8 alike.
    static let shortString = Generator<String, Shrink.None<String>> { rng in Self.text(using: &rng, maxCount: 40) }

    static let fieldTable = Generator<FieldTable, Shrink.None<FieldTable>> { rng in Self.table(using: &rng, depth: 0) }

    static let properties = Generator<MessageProperties, Shrink.None<MessageProperties>> { rng in
        func maybe<T>(_ make: (inout any SeededRandomNumberGenerator) -> T) -> T? {
            Bool.random(using: &rng) ? make(&rng) : nil
        }
        return MessageProperties(
            contentType: maybe { Self.text(using: &$0, maxCount: 20) },
            contentEncoding: maybe { Self.text(using: &$0, maxCount: 20) },
            headers: maybe { Self.table(using: &$0, depth: 0) },
            deliveryMode: maybe { UInt8.random(in: 0...2, using: &$0) },
            priority: maybe { UInt8.random(in: 0...255, using: &$0) },
            correlationID: maybe { Self.text(using: &$0, maxCount: 40) },
            replyTo: maybe { Self.text(using: &$0, maxCount: 40) },
            expiration: maybe { String(Int.random(in: 0...1_000_000, using: &$0)) },
            messageID: maybe { Self.text(using: &$0, maxCount: 40) },
            timestamp: maybe { UInt64.random(in: 0...UInt64.max, using: &$0) },
            type: maybe { Self.text(using: &$0, maxCount: 20) },
            userID: maybe { Self.text(using: &$0, maxCount: 20) },
            appID: maybe { Self.text(using: &$0, maxCount: 20) },
            clusterID: maybe { Self.text(using: &$0, maxCount: 20) }
        )
    }

    static let alphabet: [Character] = ["a", "b", "z", "0", "9", ".", "-", "_", " ", "é", "€", "😀", "ü", "/", "#", "*"]

    static func text(using rng: inout any SeededRandomNumberGenerator, maxCount: Int) -> String {
        String((0..<Int.random(in: 0...maxCount, using: &rng)).map { _ in Self.alphabet.randomElement(using: &rng)! })
    }

    static func bytes(using rng: inout any SeededRandomNumberGenerator) -> [UInt8] {
        (0..<Int.random(in: 0...64, using: &rng)).map { _ in UInt8.random(in: 0...255, using: &rng) }
    }

    static func table(using rng: inout any SeededRandomNumberGenerator, depth: Int) -> FieldTable {
        var entries: [(key: String, value: FieldValue)] = []
        var keys: Set<String> = []
        for _ in 0..<Int.random(in: 0...(depth == 0 ? 8 : 3), using: &rng) {
            let key = Self.text(using: &rng, maxCount: 12)
            guard keys.insert(key).inserted else { continue }
            entries.append((key, Self.value(using: &rng, depth: depth + 1)))
        }
        return FieldTable(entries)
    }

    /// Any value type; floats and doubles are never NaN (NaN is not equal to itself).
    static func value(using rng: inout any SeededRandomNumberGenerator, depth: Int) -> FieldValue {
        switch Int.random(in: 0...(depth < 3 ? 17 : 15), using: &rng) {
        case 0: return .boolean(Bool.random(using: &rng))
        case 1: return .int8(Int8.random(in: .min ... .max, using: &rng))
        case 2: return .uint8(UInt8.random(in: .min ... .max, using: &rng))
        case 3: return .int16(Int16.random(in: .min ... .max, using: &rng))
        case 4: return .uint16(UInt16.random(in: .min ... .max, using: &rng))
        case 5: return .int32(Int32.random(in: .min ... .max, using: &rng))
        case 6: return .uint32(UInt32.random(in: .min ... .max, using: &rng))
        case 7: return .int64(Int64.random(in: .min ... .max, using: &rng))
        case 8:
            let float = Float(bitPattern: UInt32.random(in: .min ... .max, using: &rng))
            return .float(float.isNaN ? 1.5 : float)
        case 9:
            let double = Double(bitPattern: UInt64.random(in: .min ... .max, using: &rng))
            return .double(double.isNaN ? -2.25 : double)
        case 10:
            return .decimal(
                scale: UInt8.random(in: 0...255, using: &rng), value: UInt32.random(in: 0...UInt32.max, using: &rng))
        case 11: return .longString(Self.bytes(using: &rng))
        case 12: return .timestamp(UInt64.random(in: 0...UInt64.max, using: &rng))
        case 13: return .byteArray(Self.bytes(using: &rng))
        case 14: return .void
        case 15: return .string(Self.text(using: &rng, maxCount: 30))
        case 16: return .table(Self.table(using: &rng, depth: depth))
        default:
            return .array(
                (0..<Int.random(in: 0...4, using: &rng)).map { _ in Self.value(using: &rng, depth: depth + 1) })
        }
    }
}
