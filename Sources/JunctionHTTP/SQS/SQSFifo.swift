import Crypto
import JunctionCore
import JunctionModel
import NIOCore

/// SQS FIFO queues on the engine: a `.fifo` queue is declared with message groups and deduplication
/// (`x-message-groups`, `x-message-deduplication`, `x-cache-ttl` of SQS's five minutes), and each message
/// carries its group and deduplication id as the headers those arguments read. The engine then keeps order
/// within a group, lets one receive take several messages of a group while no one else gets any of it
/// (`VirtualHost.getBatch`), and drops (but acknowledges) a repeated deduplication id.
enum SQSFifo {
    /// SQS's deduplication interval.
    static let deduplicationWindowMilliseconds: Int64 = 300_000

    static let groupHeader = "x-group-id"
    static let deduplicationHeader = "x-deduplication-header"
    /// What the sender gave (or the body's SHA-256): the engine's key may have the group in front of it.
    static let deduplicationIDHeader = "x-sqs-message-deduplication-id"
    static let sequenceNumberHeader = "x-sqs-sequence-number"

    /// Headers the engine acts on, which are not message attributes (their values come back as the
    /// system attributes `MessageGroupId` and `MessageDeduplicationId`).
    static let controlHeaders: Set<String> = [groupHeader, deduplicationHeader]

    /// The queue arguments of a FIFO queue.
    static func arguments() -> FieldTable {
        [
            "x-message-groups": .boolean(true),
            "x-message-deduplication": .boolean(true),
            "x-cache-ttl": .int64(Self.deduplicationWindowMilliseconds),
        ]
    }

    /// The group and deduplication headers of a send to a FIFO queue, checked as SQS checks them.
    static func headers(
        _ parameters: JSONValue, body: ByteBuffer, attributes: SQSQueueAttributes, sequenceNumber: UInt64
    ) throws(SQSError) -> [(String, FieldValue)] {
        guard let group = parameters["MessageGroupId"]?.stringValue else { throw .missing("MessageGroupId") }
        try Self.checkToken(group, "MessageGroupId")
        if parameters["DelaySeconds"] != nil {
            throw .invalid(
                "Value for parameter DelaySeconds is invalid. Reason: The request include parameter that is not valid for this queue type."
            )
        }
        let id: String
        if let given = parameters["MessageDeduplicationId"]?.stringValue {
            try Self.checkToken(given, "MessageDeduplicationId")
            id = given
        } else if attributes.contentBasedDeduplication == true {
            id = SQSSignatureV4.hex(body.withUnsafeReadableBytes { SHA256.hash(data: $0) })
        } else {
            throw .invalid(
                "The queue should either have ContentBasedDeduplication enabled or MessageDeduplicationId provided explicitly"
            )
        }
        // With `DeduplicationScope: messageGroup` the same id in two groups is two messages.
        let key = attributes.deduplicationScope == "messageGroup" ? "\(group)\u{1}\(id)" : id
        return [
            (Self.groupHeader, .longString(Array(group.utf8))),
            (Self.deduplicationHeader, .longString(Array(key.utf8))),
            (Self.deduplicationIDHeader, .longString(Array(id.utf8))),
            (Self.sequenceNumberHeader, .longString(Array(Self.format(sequenceNumber).utf8))),
        ]
    }

    /// The group header of a send to a standard queue (an SQS fair queue's tenant), when it names a group.
    static func standardQueueHeaders(_ parameters: JSONValue) throws(SQSError) -> [(String, FieldValue)] {
        guard let group = try Self.token(parameters, "MessageGroupId") else { return [] }
        return [(Self.groupHeader, .longString(Array(group.utf8)))]
    }

    /// SQS's sequence numbers are decimal strings of up to 128 bits that grow within a queue.
    static func format(_ sequence: UInt64) -> String {
        let digits = String(sequence)
        return String(repeating: "0", count: max(0, 20 - digits.count)) + digits
    }

    /// An optional id parameter checked as group and deduplication ids are (nil when absent).
    static func token(_ parameters: JSONValue, _ name: String) throws(SQSError) -> String? {
        guard let value = parameters[name] else { return nil }
        guard let text = value.stringValue else { throw .invalid("\(name) must be a string.") }
        try Self.checkToken(text, name)
        return text
    }

    /// Group and deduplication ids: 1 to 128 characters, alphanumeric or punctuation.
    private static func checkToken(_ value: String, _ name: String) throws(SQSError) {
        guard !value.isEmpty, value.utf8.count <= 128,
            value.utf8.allSatisfy({ $0 >= 0x21 && $0 <= 0x7E })
        else {
            throw .invalid("Value \(value) for parameter \(name) is invalid. Reason: Invalid characters or length.")
        }
    }

    /// The FIFO-only attributes of CreateQueue and SetQueueAttributes.
    static func apply(
        _ name: String, _ value: String, to attributes: inout SQSQueueAttributes, creating: Bool
    ) throws(SQSError) {
        func invalid() -> SQSError { SQSError("InvalidAttributeValue", "Invalid value for the parameter \(name).") }
        switch name {
        case "FifoQueue":
            guard value == "true" || value == "false" else { throw invalid() }
            guard creating else {
                throw SQSError("InvalidAttributeValue", "FifoQueue can only be set when the queue is created.")
            }
            attributes.fifo = value == "true"
        case "ContentBasedDeduplication":
            guard value == "true" || value == "false" else { throw invalid() }
            attributes.contentBasedDeduplication = value == "true"
        case "DeduplicationScope":
            guard value == "messageGroup" || value == "queue" else { throw invalid() }
            attributes.deduplicationScope = value
        case "FifoThroughputLimit":
            // A throughput quota in AWS; Junction has no per-group quota to lift, so both mean the same.
            guard value == "perQueue" || value == "perMessageGroupId" else { throw invalid() }
            attributes.fifoThroughputLimit = value
        default:
            throw .invalidAttributeName(name)
        }
    }

    static let attributeNames: Set<String> = [
        "FifoQueue", "ContentBasedDeduplication", "DeduplicationScope", "FifoThroughputLimit",
    ]

    /// Checks a queue's attributes together, as SQS does: a `.fifo` name with `FifoQueue`, FIFO attributes on
    /// FIFO queues only, and the high-throughput pair.
    static func check(_ attributes: SQSQueueAttributes, name: String) throws(SQSError) {
        let fifo = attributes.fifo == true
        guard fifo == name.hasSuffix(".fifo") else {
            throw .invalid(
                fifo
                    ? "The name of a FIFO queue can only include alphanumeric characters, hyphens, or underscores, must end with .fifo suffix and be 1 to 80 in length."
                    : "Can only include alphanumeric characters, hyphens, or underscores. 1 to 80 in length (a .fifo name needs FifoQueue true)."
            )
        }
        if !fifo,
            attributes.contentBasedDeduplication != nil || attributes.deduplicationScope != nil
                || attributes.fifoThroughputLimit != nil
        {
            throw SQSError(
                "InvalidAttributeName",
                "ContentBasedDeduplication, DeduplicationScope and FifoThroughputLimit are for FIFO queues only.")
        }
        if attributes.fifoThroughputLimit == "perMessageGroupId" && attributes.deduplicationScope != "messageGroup" {
            throw SQSError(
                "InvalidAttributeValue",
                "FifoThroughputLimit perMessageGroupId needs DeduplicationScope messageGroup.")
        }
    }
}

/// The sequence numbers of FIFO sends: one counter for the listener, on the engine loop, that grows across
/// restarts too (it starts from the clock in microseconds), so within a queue they only grow, as in SQS.
final class SQSSequenceNumbers {
    private var last: UInt64 = 0

    /// `now` is the broker's clock in milliseconds.
    func next(now: UInt64) -> UInt64 {
        self.last = max(self.last + 1, now &* 1000)
        return self.last
    }
}

@available(*, unavailable)
extension SQSSequenceNumbers: Sendable {}
