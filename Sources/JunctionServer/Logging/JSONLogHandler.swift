import Foundation
import JunctionHTTP
public import Logging

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Writes each record as one JSON object on one line (`log_format: json`), for log shippers:
/// `{"time":"2026-12-05T09:30:12.345Z","level":"info","logger":"junction.amqp","message":"...",
/// "source":"JunctionAMQP","metadata":{...}}`. `metadata` (the handler's, the provider's and the
/// record's, the record's winning) is present only when not empty; nested metadata stays nested.
/// Records are logged at the edges (connections, refusals, alarms), never per message, so a
/// formatted line and one write per record cost nothing that matters.
public struct JSONLogHandler: LogHandler {
    public var logLevel: Logger.Level = .info
    public var metadata: Logger.Metadata = [:]
    public var metadataProvider: Logger.MetadataProvider?
    private let label: String
    private let write: @Sendable (String) -> Void

    /// A handler writing to standard error.
    public static func standardError(label: String) -> JSONLogHandler {
        JSONLogHandler(label: label, write: writeToStandardError)
    }

    /// - Parameter write: receives each line, newline included (tests collect them).
    public init(label: String, write: @escaping @Sendable (String) -> Void) {
        self.label = label
        self.write = write
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { self.metadata[key] }
        set { self.metadata[key] = newValue }
    }

    public func log(event: LogEvent) {
        var merged = self.metadata
        if let provided = self.metadataProvider?.get() { merged.merge(provided) { _, new in new } }
        if let own = event.metadata { merged.merge(own) { _, new in new } }
        var line = "{\"time\":"
        JSONLogEncoding.appendString(JSONLogEncoding.timestamp(), to: &line)
        line += ",\"level\":"
        JSONLogEncoding.appendString(event.level.rawValue, to: &line)
        line += ",\"logger\":"
        JSONLogEncoding.appendString(self.label, to: &line)
        line += ",\"message\":"
        JSONLogEncoding.appendString(event.message.description, to: &line)
        line += ",\"source\":"
        JSONLogEncoding.appendString(event.source, to: &line)
        if !merged.isEmpty {
            line += ",\"metadata\":"
            JSONLogEncoding.appendObject(merged, to: &line)
        }
        line += "}\n"
        self.write(line)
    }

}

/// Lines from different threads never interleave: one lock around the writes of a line.
private let standardErrorLock = NSLock()

@Sendable private func writeToStandardError(_ line: String) {
    var line = line
    standardErrorLock.lock()
    defer { standardErrorLock.unlock() }
    line.withUTF8 { bytes in
        var offset = 0
        while offset < bytes.count {
            let written = write(STDERR_FILENO, bytes.baseAddress! + offset, bytes.count - offset)
            if written < 0 && errno == EINTR { continue }
            // A closed or broken standard error loses the line; the broker carries on.
            guard written > 0 else { return }
            offset += written
        }
    }
}

/// JSON text for log lines, by hand: the values are strings, arrays and objects of strings only.
enum JSONLogEncoding {
    static func appendString(_ text: String, to output: inout String) {
        JSONValue.writeString(text, into: &output)
    }

    static func appendObject(_ metadata: Logger.Metadata, to output: inout String) {
        output += "{"
        for (index, key) in metadata.keys.sorted().enumerated() {
            if index > 0 { output += "," }
            self.appendString(key, to: &output)
            output += ":"
            self.appendValue(metadata[key]!, to: &output)
        }
        output += "}"
    }

    static func appendValue(_ value: Logger.MetadataValue, to output: inout String) {
        switch value {
        case .string(let text): self.appendString(text, to: &output)
        case .stringConvertible(let convertible): self.appendString(convertible.description, to: &output)
        case .array(let values):
            output += "["
            for (index, element) in values.enumerated() {
                if index > 0 { output += "," }
                self.appendValue(element, to: &output)
            }
            output += "]"
        case .dictionary(let dictionary): self.appendObject(dictionary, to: &output)
        }
    }

    /// Now in ISO 8601, UTC, with milliseconds: `2026-12-05T09:30:12.345Z`.
    static func timestamp() -> String {
        var now = timespec()
        clock_gettime(CLOCK_REALTIME, &now)
        return self.timestamp(seconds: now.tv_sec, milliseconds: Int(now.tv_nsec / 1_000_000))
    }

    static func timestamp(seconds: time_t, milliseconds: Int) -> String {
        var seconds = seconds
        var parts = tm()
        gmtime_r(&seconds, &parts)
        func padded(_ value: Int32, _ width: Int) -> String {
            let digits = String(value)
            return String(repeating: "0", count: max(0, width - digits.count)) + digits
        }
        let date = "\(padded(parts.tm_year + 1900, 4))-\(padded(parts.tm_mon + 1, 2))-\(padded(parts.tm_mday, 2))"
        let time = "\(padded(parts.tm_hour, 2)):\(padded(parts.tm_min, 2)):\(padded(parts.tm_sec, 2))"
        return "\(date)T\(time).\(padded(Int32(milliseconds), 3))Z"
    }
}
