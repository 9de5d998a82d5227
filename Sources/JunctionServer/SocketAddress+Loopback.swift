import NIOCore

extension SocketAddress {
    /// Whether the peer is on this machine: 127.0.0.0/8, ::1, or an IPv4-mapped loopback address.
    var isLoopback: Bool {
        guard let ip = self.ipAddress else { return false }
        switch self {
        case .v4:
            return ip.hasPrefix("127.")
        case .v6:
            return ip == "::1" || ip.hasPrefix("::ffff:127.")
        case .unixDomainSocket:
            return true
        }
    }
}
