/// A malformed or oversized frame. Every case closes the connection after an ERROR frame.
public enum STOMPDecodingError: Error, Sendable, Hashable, CustomStringConvertible {
    case unknownCommand(String)
    case headerWithoutColon
    case invalidEscape(String)
    case invalidContentLength(String)
    case missingNullTerminator
    case headerSectionTooLarge(limit: Int)
    case tooManyHeaders(limit: Int)
    case bodyTooLarge(Int, limit: Int)
    case invalidUTF8

    public var description: String {
        switch self {
        case .unknownCommand(let command): "unknown command '\(command)'"
        case .headerWithoutColon: "header line without ':'"
        case .invalidEscape(let sequence): "undefined escape sequence '\(sequence)' in a header"
        case .invalidContentLength(let value): "invalid content-length '\(value)'"
        case .missingNullTerminator: "frame body not terminated by NUL after content-length bytes"
        case .headerSectionTooLarge(let limit): "frame command and headers exceed \(limit) bytes"
        case .tooManyHeaders(let limit): "frame has more than \(limit) headers"
        case .bodyTooLarge(let size, let limit): "frame body of \(size) bytes exceeds the limit of \(limit) bytes"
        case .invalidUTF8: "header is not valid UTF-8"
        }
    }
}
