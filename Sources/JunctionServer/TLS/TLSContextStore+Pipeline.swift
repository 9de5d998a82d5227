import JunctionCore
import JunctionTransport
import Logging
import NIOCore
import NIOSSL

extension TLSContextStore {
    /// Puts TLS in front of a connection accepted on a TLS port, with the current certificates: the
    /// TLS handler, then the handler that logs failed handshakes and names the peer (under
    /// `PeerIdentity.handlerName`, where the protocols look for it).
    func addHandlers(to channel: any Channel, logger: Logger) throws {
        let tls = NIOSSLServerHandler(context: self.context)
        try channel.pipeline.syncOperations.addHandler(tls)
        try channel.pipeline.syncOperations.addHandler(
            TLSConnectionHandler(tls: tls, logger: logger),
            name: PeerIdentity.handlerName
        )
    }
}
