import JunctionCore
import JunctionCoreTestSupport
import Logging
import NIOCore
import NIOEmbedded
import Testing

@testable import JunctionHTTP

/// Accepts guest/guest (administrator) and app/secret (no tags).
struct TestAuthenticator: Authenticator {
    func authenticate(username: String, password: String, isLoopback: Bool) -> AuthenticatedUser? {
        switch (username, password) {
        case ("guest", "guest"): AuthenticatedUser(name: "guest", tags: ["administrator"])
        case ("app", "secret"): AuthenticatedUser(name: "app")
        default: nil
        }
    }
}

/// The HTTP listener's pipeline on an `EmbeddedChannel`, driven with raw request bytes.
final class HTTPHarness {
    let channel = EmbeddedChannel()
    let broker: Broker
    let clock = ManualBrokerClock()

    init(
        listener: HTTPListener? = nil,
        configuration: HTTPListenerConfiguration = .init(maxBodyBytes: 1024),
        routes: [String: WebSocketRoute] = [:],
        broker: Broker? = nil,
        connectionID: UInt64 = 1
    ) throws {
        self.broker = broker ?? Broker(clock: self.clock, logger: Logger(label: "test"))
        // The authenticator's users, with every permission on "/".
        try self.broker.grantEverything(to: "guest", tags: ["administrator"])
        try self.broker.grantEverything(to: "app")
        let listener =
            listener
            ?? HTTPListener(
                configuration: configuration, authenticator: TestAuthenticator(), webSocketRoutes: routes,
                eventLoop: self.channel.eventLoop, logger: Logger(label: "test"))
        try self.channel.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 4000)).wait()
        try listener.initializeConnection(
            self.channel, broker: self.broker, connectionID: ConnectionID(connectionID), isLoopback: true)
    }

    struct Response {
        var status: Int
        var headers: [String: String]
        var body: String
        var json: JSONValue? { try? JSONParser.parse(Array(self.body.utf8)) }
    }

    static let guest = "Authorization: Basic Z3Vlc3Q6Z3Vlc3Q=\r\n"

    func send(_ method: String, _ target: String, body: String = "", headers: String = HTTPHarness.guest) throws {
        let request =
            "\(method) \(target) HTTP/1.1\r\nHost: localhost\r\n\(headers)Content-Length: \(body.utf8.count)\r\n\r\n\(body)"
        try self.channel.writeInbound(ByteBuffer(string: request))
    }

    /// Sends a request and parses the one response it produces.
    func request(
        _ method: String, _ target: String, body: String = "", headers: String = HTTPHarness.guest
    ) throws -> Response {
        try self.send(method, target, body: body, headers: headers)
        return try #require(try self.readResponse())
    }

    func readResponse() throws -> Response? {
        var text = ""
        while let buffer = try self.channel.readOutbound(as: ByteBuffer.self) {
            text += String(buffer: buffer)
        }
        guard let split = text.firstRange(of: "\r\n\r\n") else { return nil }
        let lines = text[..<split.lowerBound].split(separator: "\r\n")
        let status = Int(lines[0].split(separator: " ")[1]) ?? 0
        var headers: [String: String] = [:]
        for line in lines.dropFirst() {
            let parts = line.split(separator: ":", maxSplits: 1)
            headers[parts[0].lowercased()] = parts.count > 1 ? parts[1].trimmedOfSpaces() : ""
        }
        return Response(status: status, headers: headers, body: String(text[split.upperBound...]))
    }
}

extension Substring {
    func trimmedOfSpaces() -> String {
        var text = self
        while text.first == " " { text.removeFirst() }
        while text.last == " " { text.removeLast() }
        return String(text)
    }
}
