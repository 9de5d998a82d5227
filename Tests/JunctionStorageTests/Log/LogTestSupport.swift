import JunctionStorage
import NIOCore

/// A settable millisecond clock for `SegmentedLog`.
final class MillisecondClock {
    var now: Int64

    init(_ now: Int64 = 1_700_000_000_000) { self.now = now }

    var function: () -> Int64 { { self.now } }
}

/// An entry whose value is `text`.
func entry(_ text: String, at timestamp: Int64, key: String? = nil) -> LogEntry {
    LogEntry(timestamp: timestamp, key: key.map { ByteBuffer(string: $0) }, value: ByteBuffer(string: text))
}

/// The record values as strings.
func values(_ records: [LogRecord]) -> [String] {
    records.map { String(buffer: $0.value) }
}
