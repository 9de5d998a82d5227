public import NIOHTTP1

/// Decides whether an upgrade request is accepted: a known path, an allowed `Host`, an allowed
/// origin, and a subprotocol both sides speak. Pure, so it is tested without a channel.
public enum WebSocketUpgradePolicy {
    public enum Decision: Equatable {
        /// Accept, with these extra response headers (the chosen `Sec-WebSocket-Protocol`).
        case accept(HTTPHeaders)
        /// Refuse with this status and reason (403 for a foreign origin or host, 400 otherwise).
        case refuse(HTTPResponseStatus, String)
    }

    public static func decide(
        _ head: HTTPRequestHead,
        routes: [String: WebSocketRoute],
        policy: HTTPOriginPolicy
    ) -> Decision {
        guard let route = routes[Self.path(of: head.uri)] else {
            return .refuse(.notFound, "no WebSocket endpoint at this path")
        }
        let host = head.headers.first(name: "Host")
        guard policy.allowsHost(host) else {
            return .refuse(.forbidden, "host not allowed: add it to http.allowed_hosts")
        }
        guard policy.allowsOrigin(head.headers.first(name: "Origin"), host: host) else {
            return .refuse(.forbidden, "cross-origin WebSocket refused: add the origin to http.allowed_origins")
        }
        let offered = head.headers[canonicalForm: "Sec-WebSocket-Protocol"].map(String.init)
        guard let choice = route.negotiate(offered: offered) else {
            return .refuse(.badRequest, "no common subprotocol; this path speaks \(route.subprotocols)")
        }
        var headers = HTTPHeaders()
        if let choice { headers.add(name: "Sec-WebSocket-Protocol", value: choice) }
        return .accept(headers)
    }

    /// Extra response headers to accept; nil to refuse (the connection handler answers with the reason).
    public static func responseHeaders(
        for head: HTTPRequestHead,
        routes: [String: WebSocketRoute],
        policy: HTTPOriginPolicy
    ) -> HTTPHeaders? {
        if case .accept(let headers) = Self.decide(head, routes: routes, policy: policy) { return headers }
        return nil
    }

    static func path(of uri: String) -> String {
        uri.split(separator: "?", maxSplits: 1, omittingEmptySubsequences: false).first.map(String.init) ?? uri
    }
}
