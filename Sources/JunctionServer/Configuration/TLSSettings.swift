/// Certificates for the TLS listeners (the `tls` section). The TLS listeners stay off while
/// `certFile` is empty, whatever their ports say.
public struct TLSSettings: Sendable, Hashable {
    /// How a client certificate is asked for and checked (`tls.verify_peer`).
    public enum PeerVerification: String, Sendable, Hashable, CaseIterable {
        /// No client certificate is asked for.
        case none
        /// A client may present one; if it does, it must chain to `caFile`.
        case optional
        /// Every client must present a certificate that chains to `caFile`.
        case required
    }

    /// PEM file with the server's certificate, then any intermediates (`tls.cert_file`).
    public var certFile: String
    /// PEM file with the server certificate's private key (`tls.key_file`).
    public var keyFile: String
    /// PEM file with the CAs that client certificates must chain to (`tls.ca_file`).
    public var caFile: String
    public var verifyPeer: PeerVerification

    public init(certFile: String = "", keyFile: String = "", caFile: String = "", verifyPeer: PeerVerification = .none)
    {
        self.certFile = certFile
        self.keyFile = keyFile
        self.caFile = caFile
        self.verifyPeer = verifyPeer
    }

    /// Whether a certificate is configured, which turns the TLS listeners on.
    public var isEnabled: Bool { !self.certFile.isEmpty }

    /// The `tls` keys that belong together, checked without touching the files (the listeners load
    /// them at start-up and on SIGHUP, and refuse to start when they cannot).
    func validate() throws {
        guard self.isEnabled else {
            guard self.keyFile.isEmpty else { throw ConfigurationError("tls.key_file: set without tls.cert_file") }
            return
        }
        guard !self.keyFile.isEmpty else { throw ConfigurationError("tls.key_file: required with tls.cert_file") }
        if self.verifyPeer != .none && self.caFile.isEmpty {
            throw ConfigurationError("tls.ca_file: required when tls.verify_peer is \(self.verifyPeer.rawValue)")
        }
    }
}
