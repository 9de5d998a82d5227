public import NIOCore

/// One Server-Sent Event (`text/event-stream`) as written on the wire. Pure, so the framing is
/// tested without a channel.
public struct ServerSentEvent: Sendable, Equatable {
    public var id: String?
    public var event: String?
    /// The data; each line becomes one `data:` field, which the client joins with LF again.
    public var data: String

    public init(id: String? = nil, event: String? = nil, data: String) {
        self.id = id
        self.event = event
        self.data = data
    }

    /// A comment line the client ignores: keeps proxies and idle timers from closing the stream.
    public static let heartbeat = ": heartbeat\n\n"

    /// The event's fields and the blank line that dispatches it. CR, LF and CRLF all end a line in
    /// the format, so the data is split on each of them; ids and event names come from us and
    /// never hold line breaks.
    public func encode(into buffer: inout ByteBuffer) {
        if let id = self.id { buffer.writeString("id: \(id)\n") }
        if let event = self.event { buffer.writeString("event: \(event)\n") }
        for line in Self.lines(of: self.data) {
            buffer.writeString("data: ")
            buffer.writeSubstring(line)
            buffer.writeString("\n")
        }
        buffer.writeString("\n")
    }

    public var encoded: String {
        var buffer = ByteBuffer()
        self.encode(into: &buffer)
        return String(buffer: buffer)
    }

    /// Empty data still yields one (empty) `data:` line, so the client dispatches the event.
    static func lines(of text: String) -> [Substring] {
        var lines: [Substring] = []
        var start = text.startIndex
        var index = start
        while index < text.endIndex {
            // Swift treats "\r\n" as one Character, so one comparison each covers CR, LF and CRLF.
            let character = text[index]
            if character == "\n" || character == "\r" || character == "\r\n" {
                lines.append(text[start..<index])
                start = text.index(after: index)
            }
            index = text.index(after: index)
        }
        lines.append(text[start...])
        return lines
    }
}
