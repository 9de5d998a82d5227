import JunctionCore
import NIOCore

/// An HTTP (or upgraded WebSocket) connection as operators see it in `/api/connections`.
final class HTTPClientConnection: ClientConnection {
    var summary: ConnectionSummary
    private weak var channel: (any Channel)?

    init(summary: ConnectionSummary, channel: any Channel) {
        self.summary = summary
        self.channel = channel
    }

    func closeByOperator(reason: String) {
        self.channel?.close(promise: nil)
    }
}

/// Wraps the registration a protocol adapter made for a connection that arrived over WebSocket,
/// so operators see the transport.
final class WebSocketClientConnection: ClientConnection {
    private let inner: any ClientConnection

    init(wrapping inner: any ClientConnection) {
        self.inner = inner
    }

    var summary: ConnectionSummary {
        var summary = self.inner.summary
        summary.transport = "WebSocket"
        return summary
    }

    func closeByOperator(reason: String) {
        self.inner.closeByOperator(reason: reason)
    }
}
