/// A STOMP protocol version. Ordered, so negotiation picks the highest one both sides speak.
public enum STOMPVersion: String, Sendable, Hashable, Comparable, CaseIterable {
    case v1_0 = "1.0"
    case v1_1 = "1.1"
    case v1_2 = "1.2"

    public static func < (lhs: STOMPVersion, rhs: STOMPVersion) -> Bool {
        lhs.rawValue < rhs.rawValue
    }

    /// Header value escaping for this version (STOMP 1.2 "Value Encoding"; 1.1 has no `\r`; 1.0 has none).
    public var escaping: STOMPHeaderEscaping {
        switch self {
        case .v1_0: .none
        case .v1_1: .v1_1
        case .v1_2: .v1_2
        }
    }
}

/// Which escape sequences header values use.
public enum STOMPHeaderEscaping: Sendable, Hashable {
    /// STOMP 1.0 and the CONNECT/CONNECTED frames: bytes as they are.
    case none
    /// `\\`, `\n`, `\c`.
    case v1_1
    /// `\\`, `\n`, `\c`, `\r`.
    case v1_2
}
