/// Which browsers may talk to the HTTP listener. Two checks, both pure so they are tested without a
/// channel:
/// - `Host` (DNS rebinding): a page on `evil.example` whose name the attacker re-points at 127.0.0.1
///   reaches the broker with `Host: evil.example`; only listed names (and IP literals, which cannot be
///   rebound, when the listener binds every address) are served.
/// - `Origin` (cross-site WebSocket): browsers send it on every WebSocket handshake and do not apply
///   the same-origin policy to WebSockets, so the server must. Same origin (Origin's host and port equal
///   the `Host` header's) is allowed, others only when listed. A request without `Origin` does not come
///   from a browser page and is allowed.
public struct HTTPOriginPolicy: Sendable, Hashable {
    /// Host names (lower case, no port) accepted in `Host`; `*` accepts any.
    public var allowedHosts: Set<String>
    /// Also accept any IP literal in `Host` (the listener binds a wildcard address, so clients
    /// reach it by any of the machine's addresses).
    public var allowsAnyIPLiteralHost: Bool
    /// Origins (`scheme://host:port`, normalized) allowed to open WebSockets besides the same
    /// origin; `*` allows every origin.
    public var allowedOrigins: Set<String>

    /// - Parameters:
    ///   - allowedHosts: `http.allowed_hosts`; empty means the defaults for `bindHost`.
    ///   - allowedOrigins: `http.allowed_origins`, as written (normalized here).
    public init(allowedHosts: [String], allowedOrigins: [String], bindHost: String) {
        let wildcard = ["0.0.0.0", "::", "[::]", "*"].contains(bindHost)
        if allowedHosts.isEmpty {
            var defaults: Set<String> = ["localhost", "127.0.0.1", "::1"]
            if !wildcard { defaults.insert(Self.hostName(bindHost)) }
            self.allowedHosts = defaults
        } else {
            self.allowedHosts = Set(allowedHosts.map { $0 == "*" ? "*" : Self.hostName($0) })
        }
        self.allowsAnyIPLiteralHost = wildcard
        self.allowedOrigins = Set(allowedOrigins.map { $0 == "*" ? "*" : (Self.parseOrigin($0)?.normalized ?? $0) })
    }

    /// Every host and origin allowed: for tests and embedding that do not face browsers.
    public static let permissive = HTTPOriginPolicy(allowedHosts: ["*"], allowedOrigins: ["*"], bindHost: "127.0.0.1")

    /// Whether a request with this `Host` header is served. No header (HTTP/1.0 tools) is allowed:
    /// browsers always send one.
    public func allowsHost(_ header: String?) -> Bool {
        guard let header else { return true }
        if self.allowedHosts.contains("*") { return true }
        let name = Self.hostName(header)
        if self.allowedHosts.contains(name) { return true }
        // `*.localhost` resolves to loopback by specification (RFC 6761), never to an attacker.
        if name.hasSuffix(".localhost") && self.allowedHosts.contains("localhost") { return true }
        return self.allowsAnyIPLiteralHost && Self.isIPLiteral(name)
    }

    /// Whether a WebSocket handshake with this `Origin` may proceed on a request to `host`.
    public func allowsOrigin(_ origin: String?, host: String?) -> Bool {
        guard let origin else { return true }
        if self.allowedOrigins.contains("*") { return true }
        guard let parsed = Self.parseOrigin(origin) else { return false }
        if let host, let target = Self.authority(host, defaultPort: parsed.defaultPort),
            target.host == parsed.host && target.port == parsed.port
        {
            return true
        }
        return self.allowedOrigins.contains(parsed.normalized)
    }

    // MARK: Parsing

    struct Origin: Hashable {
        var scheme: String
        var host: String
        var port: Int
        /// The port a `Host` header without one means, for a page of this scheme.
        var defaultPort: Int { self.scheme == "https" || self.scheme == "wss" ? 443 : 80 }
        var normalized: String {
            "\(self.scheme)://\(self.host.contains(":") ? "[\(self.host)]" : self.host):\(self.port)"
        }
    }

    /// `scheme://host[:port]` with the scheme's default port filled in; nil for `null` and anything else.
    static func parseOrigin(_ text: String) -> Origin? {
        let lowered = text.lowercased()
        guard let colon = lowered.firstIndex(of: ":"), lowered[colon...].hasPrefix("://") else { return nil }
        let scheme = String(lowered[..<colon])
        let defaultPort: Int
        switch scheme {
        case "http", "ws": defaultPort = 80
        case "https", "wss": defaultPort = 443
        default: return nil
        }
        var rest = lowered[lowered.index(colon, offsetBy: 3)...]
        if rest.hasSuffix("/") { rest = rest.dropLast() }
        guard !rest.contains("/"), let authority = Self.authority(String(rest), defaultPort: defaultPort) else {
            return nil
        }
        return Origin(scheme: scheme, host: authority.host, port: authority.port)
    }

    /// Splits `host[:port]` or `[v6]:port`; the host comes back lower case without brackets or a final dot.
    static func authority(_ text: String, defaultPort: Int) -> (host: String, port: Int)? {
        let text = text.lowercased()
        var host: Substring
        var portText: Substring?
        if text.hasPrefix("[") {
            guard let close = text.firstIndex(of: "]") else { return nil }
            host = text[text.index(after: text.startIndex)..<close]
            let after = text[text.index(after: close)...]
            if !after.isEmpty {
                guard after.hasPrefix(":") else { return nil }
                portText = after.dropFirst()
            }
        } else if text.filter({ $0 == ":" }).count == 1, let colon = text.firstIndex(of: ":") {
            host = text[..<colon]
            portText = text[text.index(after: colon)...]
        } else {
            host = text[...]
        }
        if host.hasSuffix(".") { host = host.dropLast() }
        guard !host.isEmpty else { return nil }
        guard let portText else { return (String(host), defaultPort) }
        guard let port = Int(portText), (0...65535).contains(port) else { return nil }
        return (String(host), port)
    }

    static func hostName(_ text: String) -> String {
        Self.authority(text, defaultPort: 0)?.host ?? text.lowercased()
    }

    static func isIPLiteral(_ host: String) -> Bool {
        if host.contains(":") { return host.allSatisfy { $0.isHexDigit || $0 == ":" || $0 == "." } }
        let parts = host.split(separator: ".", omittingEmptySubsequences: false)
        return parts.count == 4 && parts.allSatisfy { part in UInt8(part) != nil }
    }
}
