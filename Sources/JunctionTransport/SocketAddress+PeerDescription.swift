public import NIOCore

extension SocketAddress {
    /// `127.0.0.1:5672` rather than NIO's debug form.
    public var peerDescription: String {
        guard let ip = self.ipAddress, let port = self.port else { return "\(self)" }
        if case .v6 = self { return "[\(ip)]:\(port)" }
        return "\(ip):\(port)"
    }
}
