public import NIOHTTP1

/// Decides whether an upgrade request is accepted: a known path, an allowed origin, and a
/// subprotocol both sides speak. Pure, so it is tested without a channel.
public enum WebSocketUpgradePolicy {
    /// Extra response headers (the chosen `Sec-WebSocket-Protocol`) to accept; nil to refuse.
    public static func responseHeaders(
        for head: HTTPRequestHead,
        routes: [String: WebSocketRoute],
        allowedOrigins: Set<String>
    ) -> HTTPHeaders? {
        guard let route = routes[Self.path(of: head.uri)] else { return nil }
        if !allowedOrigins.isEmpty, let origin = head.headers.first(name: "Origin"), !allowedOrigins.contains(origin) {
            return nil
        }
        let offered = head.headers[canonicalForm: "Sec-WebSocket-Protocol"].map(String.init)
        guard let choice = route.negotiate(offered: offered) else { return nil }
        var headers = HTTPHeaders()
        if let choice { headers.add(name: "Sec-WebSocket-Protocol", value: choice) }
        return headers
    }

    static func path(of uri: String) -> String {
        uri.split(separator: "?", maxSplits: 1, omittingEmptySubsequences: false).first.map(String.init) ?? uri
    }
}
