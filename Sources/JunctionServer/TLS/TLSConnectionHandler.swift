import JunctionCore
import JunctionTransport
import Logging
import NIOCore
import NIOSSL
import NIOTLS

/// Sits right behind the TLS handler of every TLS connection. It turns a failed handshake (plaintext
/// on a TLS port, an untrusted or missing client certificate, no common protocol version) into one
/// log line and a closed connection, so the protocol handler behind it never sees TLS errors; and it
/// tells the protocol who the verified client certificate names (`PeerIdentityProviding`).
///
/// The protocol hears `channelActive` only once the handshake is done: for it the connection opens
/// then, and a connection that never got through the handshake is not announced as opened and closed.
final class TLSConnectionHandler: ChannelInboundHandler, PeerIdentityProviding {
    typealias InboundIn = ByteBuffer

    private let tls: NIOSSLServerHandler
    private let logger: Logger
    private var handshakeCompleted = false
    private var activeHeldBack = false

    init(tls: NIOSSLServerHandler, logger: Logger) {
        self.tls = tls
        self.logger = logger
    }

    /// Read on the channel's loop when a protocol logs in, which is after the handshake: a TLS
    /// client cannot send application data before it.
    var verifiedPeerName: String? {
        self.tls.peerCertificate?.subjectName.first { $0.type == .commonName }?.value
    }

    func channelActive(context: ChannelHandlerContext) {
        if self.handshakeCompleted {
            context.fireChannelActive()
        } else {
            self.activeHeldBack = true
        }
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if case .handshakeCompleted = event as? TLSUserEvent {
            self.handshakeCompleted = true
            if self.activeHeldBack {
                self.activeHeldBack = false
                context.fireChannelActive()
            }
        }
        context.fireUserInboundEventTriggered(event)
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        guard Self.isTLSError(error) else {
            context.fireErrorCaught(error)
            return
        }
        let peer = context.channel.remoteAddress?.peerDescription ?? "unknown"
        if self.handshakeCompleted {
            // A client that drops the socket without close_notify: common and harmless.
            self.logger.debug("TLS connection ended uncleanly", metadata: ["peer": "\(peer)", "error": "\(error)"])
        } else if Self.isEndOfInput(error) {
            // The peer hung up without a TLS alert, typically a port probe that never started a handshake.
            self.logger.debug("TLS connection closed before the handshake", metadata: ["peer": "\(peer)"])
        } else {
            self.logger.notice("TLS handshake failed", metadata: ["peer": "\(peer)", "error": "\(error)"])
        }
        context.close(promise: nil)
    }

    private static func isEndOfInput(_ error: any Error) -> Bool {
        guard case .handshakeFailed(.sslError(let stack)) = error as? NIOSSLError else { return false }
        return !stack.isEmpty && stack.allSatisfy { $0 == .eofDuringHandshake }
    }

    private static func isTLSError(_ error: any Error) -> Bool {
        error is NIOSSLError || error is BoringSSLError || error is NIOSSLExtraError
            || error is NIOSSLCloseTimedOutError
    }
}
