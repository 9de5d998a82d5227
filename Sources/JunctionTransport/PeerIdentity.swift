public import NIOCore

/// Who the transport says the peer is, below any protocol login: the subject common name of the
/// client certificate a TLS handshake verified. The server puts a provider into a TLS connection's
/// pipeline under `PeerIdentity.handlerName`; AMQP `EXTERNAL` and MQTT `use_identity_as_username`
/// read it through `PeerIdentity.verifiedName(in:)`, so no protocol module knows about TLS.
public protocol PeerIdentityProviding: AnyObject {
    /// The verified certificate's common name; nil before the handshake, without a certificate, or
    /// when the certificate has no common name.
    var verifiedPeerName: String? { get }
}

public enum PeerIdentity {
    /// The pipeline name of the handler that provides the connection's identity.
    public static let handlerName = "junction.peer-identity"

    /// The verified peer name of the connection behind `pipeline`, if any (plain TCP: none). Call
    /// on the channel's event loop; it looks the pipeline up, so call it once per login, not per message.
    public static func verifiedName(in pipeline: ChannelPipeline) -> String? {
        guard let context = try? pipeline.syncOperations.context(name: Self.handlerName) else { return nil }
        return (context.handler as? any PeerIdentityProviding)?.verifiedPeerName
    }
}
