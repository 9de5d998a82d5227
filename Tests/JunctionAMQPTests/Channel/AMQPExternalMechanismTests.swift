import JunctionCore
import JunctionCoreTestSupport
import JunctionModel
import JunctionTransport
import Logging
import NIOCore
import NIOEmbedded
import Testing

@testable import JunctionAMQP
@testable import JunctionAMQPCodec

/// Stands in for the server's TLS handler: the name a verified client certificate gave.
private final class VerifiedPeer: ChannelInboundHandler, PeerIdentityProviding {
    typealias InboundIn = ByteBuffer
    let verifiedPeerName: String?

    init(_ name: String?) {
        self.verifiedPeerName = name
    }
}

/// SASL EXTERNAL: the user is the one a verified TLS client certificate names.
@Suite struct AMQPExternalMechanismTests {
    let broker = Broker(logger: Logger(label: "test"))

    private func peer(certificateName: String?) throws -> AMQPTestPeer {
        let peer = try AMQPTestPeer(broker: self.broker)
        if let certificateName {
            try peer.channel.pipeline.syncOperations.addHandler(
                VerifiedPeer(certificateName), name: PeerIdentity.handlerName, position: .first)
        }
        return peer
    }

    /// Sends the header, returns the mechanisms offered, and answers with `mechanism`.
    private func startOk(_ peer: AMQPTestPeer, mechanism: String) throws -> String? {
        try peer.sendRaw(AMQPProtocolHeader.bytes)
        guard case .method(0, .connectionStart(let start))? = try peer.readFrames().first else { return nil }
        try peer.send(
            0,
            .connectionStartOk(
                AMQPConnectionStartOk(clientProperties: [:], mechanism: mechanism, response: [], locale: "en_US"))
        )
        return start.mechanisms
    }

    private func reply(_ peer: AMQPTestPeer) throws -> AMQPMethod? {
        for case .method(0, let method) in try peer.readFrames() { return method }
        return nil
    }

    @Test func certificateNamingAUserLogsInWithExternal() throws {
        let peer = try self.peer(certificateName: "device")
        #expect(try self.startOk(peer, mechanism: "EXTERNAL") == "PLAIN AMQPLAIN EXTERNAL")
        guard case .connectionTune? = try self.reply(peer) else {
            Issue.record("expected connection.tune")
            return
        }
    }

    @Test func withoutCertificateExternalIsNotOfferedAndIsRefused() throws {
        let peer = try self.peer(certificateName: nil)
        #expect(try self.startOk(peer, mechanism: "EXTERNAL") == "PLAIN AMQPLAIN")
        guard case .connectionClose(let close)? = try self.reply(peer) else {
            Issue.record("expected connection.close")
            return
        }
        #expect(close.replyCode == 403)
    }

    @Test func certificateNamingNoUserIsAccessRefused() throws {
        let peer = try self.peer(certificateName: "stranger")
        _ = try self.startOk(peer, mechanism: "EXTERNAL")
        guard case .connectionClose(let close)? = try self.reply(peer) else {
            Issue.record("expected connection.close")
            return
        }
        #expect(close.replyCode == 403)
        #expect(close.replyText.contains("EXTERNAL"))
        #expect(close.replyText.contains("stranger"))
    }
}
