import Crypto
import JunctionCore
import JunctionModel
import NIOCore

/// SQS message attributes and their place in the one message model: each attribute is a message
/// header (String and Number types as text, Binary as bytes), so AMQP, STOMP and MQTT 5 consumers see
/// them as headers and what those protocols publish arrives in SQS as attributes. A data type other
/// than plain `String` or `Binary` (`Number`, `String.custom`) is kept in the `x-sqs-data-types` table
/// header so it comes back unchanged. The MD5 digests are AWS's, which botocore checks.
struct SQSMessageAttribute: Equatable {
    var dataType: String
    var stringValue: String?
    var binaryValue: [UInt8]?

    static let typesHeader = "x-sqs-data-types"
    static let maximumCount = 10

    /// Reads and validates `MessageAttributes` of a send (JSON shape; binary values are base64).
    static func parse(_ value: JSONValue?) throws(SQSError) -> [(String, SQSMessageAttribute)] {
        guard let value else { return [] }
        let members = value.sqsMembers
        if members.count > Self.maximumCount {
            throw .invalid("Number of message attributes [\(members.count)] exceeds the allowed maximum [10].")
        }
        var attributes: [(String, SQSMessageAttribute)] = []
        for (name, fields) in members {
            try Self.checkName(name)
            guard let dataType = fields["DataType"]?.stringValue, !dataType.isEmpty else {
                throw .invalid("The message attribute '\(name)' must contain a non-empty attribute type.")
            }
            let base = dataType.split(separator: ".", maxSplits: 1).first.map(String.init) ?? ""
            var attribute = SQSMessageAttribute(dataType: dataType)
            switch base {
            case "String", "Number":
                guard let text = fields["StringValue"]?.stringValue else {
                    throw .invalid("The message attribute '\(name)' with type '\(base)' must use field 'String'.")
                }
                if base == "Number" && Double(text) == nil {
                    throw .invalid("Can't cast the value of message (user) attribute '\(name)' to a number.")
                }
                attribute.stringValue = text
            case "Binary":
                guard let encoded = fields["BinaryValue"]?.stringValue, let bytes = Base64.decode(encoded) else {
                    throw .invalid("The message attribute '\(name)' with type 'Binary' must use field 'Binary'.")
                }
                attribute.binaryValue = bytes
            default:
                throw .invalid(
                    "The type of message (user) attribute '\(name)' is invalid. You must use only the following supported type prefixes: Binary, Number, String."
                )
            }
            attributes.append((name, attribute))
        }
        return attributes
    }

    private static func checkName(_ name: String) throws(SQSError) {
        let lowered = name.lowercased()
        guard !name.isEmpty, name.utf8.count <= 256, !lowered.hasPrefix("aws."), !lowered.hasPrefix("amazon."),
            !name.hasPrefix("."), !name.hasSuffix("."), !name.contains(".."),
            name.utf8.allSatisfy({ byte in
                (byte >= 0x30 && byte <= 0x39) || (byte >= 0x41 && byte <= 0x5A) || (byte >= 0x61 && byte <= 0x7A)
                    || byte == UInt8(ascii: "-") || byte == UInt8(ascii: "_") || byte == UInt8(ascii: ".")
            }),
            !name.hasPrefix("x-sqs-"), !SQSFifo.controlHeaders.contains(name)
        else { throw .invalid("Message (user) attribute name '\(name)' is invalid.") }
    }

    /// Headers for the attributes (nil when there are none).
    static func headers(_ attributes: [(String, SQSMessageAttribute)]) -> FieldTable? {
        guard !attributes.isEmpty else { return nil }
        var table = FieldTable()
        var types = FieldTable()
        for (name, attribute) in attributes {
            if let bytes = attribute.binaryValue {
                table[name] = .byteArray(bytes)
                if attribute.dataType != "Binary" { types[name] = .longString(Array(attribute.dataType.utf8)) }
            } else {
                table[name] = .longString(Array((attribute.stringValue ?? "").utf8))
                if attribute.dataType != "String" { types[name] = .longString(Array(attribute.dataType.utf8)) }
            }
        }
        if !types.isEmpty { table[Self.typesHeader] = .table(types) }
        return table
    }

    /// A message's headers as SQS attributes, in name order. Headers SQS cannot express (tables, arrays,
    /// void) and the broker's own `x-sqs-` headers are not attributes.
    static func attributes(of headers: FieldTable?) -> [(String, SQSMessageAttribute)] {
        guard let headers else { return [] }
        var types: [String: String] = [:]
        if case .table(let table)? = headers[Self.typesHeader] {
            for (name, value) in table.entries { types[name] = value.stringValue }
        }
        var attributes: [(String, SQSMessageAttribute)] = []
        for (name, value) in headers.entries where !name.hasPrefix("x-sqs-") && !SQSFifo.controlHeaders.contains(name) {
            var attribute: SQSMessageAttribute
            switch value {
            case .longString(let bytes):
                attribute = SQSMessageAttribute(dataType: "String", stringValue: String(decoding: bytes, as: UTF8.self))
            case .byteArray(let bytes): attribute = SQSMessageAttribute(dataType: "Binary", binaryValue: bytes)
            case .boolean(let flag):
                attribute = SQSMessageAttribute(dataType: "String", stringValue: flag ? "true" : "false")
            case .float(let number): attribute = SQSMessageAttribute(dataType: "Number", stringValue: String(number))
            case .double(let number): attribute = SQSMessageAttribute(dataType: "Number", stringValue: String(number))
            case .timestamp(let seconds):
                attribute = SQSMessageAttribute(dataType: "Number", stringValue: String(seconds))
            default:
                guard let integer = value.integerValue else { continue }
                attribute = SQSMessageAttribute(dataType: "Number", stringValue: String(integer))
            }
            if let type = types[name] { attribute.dataType = type }
            attributes.append((name, attribute))
        }
        return attributes.sorted { $0.0 < $1.0 }
    }

    /// `MD5OfMessageAttributes`: over the attributes sorted by name, each as length-prefixed name,
    /// length-prefixed type, a transport byte (1 text, 2 binary) and the length-prefixed value.
    static func md5(_ attributes: [(String, SQSMessageAttribute)]) -> String? {
        guard !attributes.isEmpty else { return nil }
        var bytes: [UInt8] = []
        func append(_ field: [UInt8]) {
            let count = UInt32(field.count)
            bytes += [UInt8(count >> 24), UInt8(count >> 16 & 0xFF), UInt8(count >> 8 & 0xFF), UInt8(count & 0xFF)]
            bytes += field
        }
        for (name, attribute) in attributes.sorted(by: { Array($0.0.utf8).lexicographicallyPrecedes(Array($1.0.utf8)) })
        {
            append(Array(name.utf8))
            append(Array(attribute.dataType.utf8))
            if let binary = attribute.binaryValue {
                bytes.append(2)
                append(binary)
            } else {
                bytes.append(1)
                append(Array((attribute.stringValue ?? "").utf8))
            }
        }
        return Self.md5Hex(bytes)
    }

    static func md5Hex(_ bytes: some Sequence<UInt8>) -> String {
        SQSSignatureV4.hex(Insecure.MD5.hash(data: Array(bytes)))
    }

    /// The JSON shape of an attribute in a ReceiveMessage answer.
    var json: JSONValue {
        var fields: [(String, JSONValue)] = []
        if let binary = self.binaryValue {
            fields.append(("BinaryValue", .string(Base64.encode(binary))))
        } else {
            fields.append(("StringValue", .string(self.stringValue ?? "")))
        }
        fields.append(("DataType", .string(self.dataType)))
        return .object(fields)
    }

    /// SQS accepts only these characters in a body: #x9 | #xA | #xD | #x20-#xD7FF | #xE000-#xFFFD | #x10000-#x10FFFF.
    static func isValidBody(_ body: ByteBuffer) -> Bool {
        // Printable ASCII, tab, LF and CR are valid: one pass over the bytes, a word at a time, decides most
        // bodies. (The bytes are UTF-8: the decoder replaced what was not.)
        if body.withUnsafeReadableBytes({ JSONByteScan.isPlainText($0) }) { return true }
        return String(decoding: body.readableBytesView, as: UTF8.self).unicodeScalars.allSatisfy { scalar in
            switch scalar.value {
            case 0x9, 0xA, 0xD, 0x20...0xD7FF, 0xE000...0xFFFD, 0x10000...0x10FFFF: true
            default: false
            }
        }
    }
}
