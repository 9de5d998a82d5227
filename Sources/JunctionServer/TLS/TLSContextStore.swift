import NIOSSL
import Synchronization

/// The TLS context new connections use. It is built from the `tls` files at start-up and again on
/// SIGHUP; connections keep the context they were accepted with, so a reload affects only new ones.
final class TLSContextStore: Sendable {
    private let settings: TLSSettings
    private let current: Mutex<NIOSSLContext>

    /// Loads the certificate, key and CA files; throws a `ConfigurationError` naming the key.
    init(settings: TLSSettings) throws {
        self.settings = settings
        self.current = Mutex(try Self.makeContext(settings))
    }

    /// The context for a connection accepted now. Once per accepted connection, never per message.
    var context: NIOSSLContext {
        self.current.withLock { $0 }
    }

    /// Reads the files again; on failure the previous context stays in use and the error is thrown.
    func reload() throws {
        let context = try Self.makeContext(self.settings)
        self.current.withLock { $0 = context }
    }

    static func makeContext(_ settings: TLSSettings) throws -> NIOSSLContext {
        let chain: [NIOSSLCertificate]
        do {
            chain = try NIOSSLCertificate.fromPEMFile(settings.certFile)
        } catch {
            throw ConfigurationError("tls.cert_file: cannot load \(settings.certFile): \(error)")
        }
        guard !chain.isEmpty else {
            throw ConfigurationError("tls.cert_file: no certificate in \(settings.certFile)")
        }
        let key: NIOSSLPrivateKey
        do {
            key = try NIOSSLPrivateKey(file: settings.keyFile, format: .pem)
        } catch {
            throw ConfigurationError("tls.key_file: cannot load \(settings.keyFile): \(error)")
        }
        var configuration = TLSConfiguration.makeServerConfiguration(
            certificateChain: chain.map { .certificate($0) },
            privateKey: .privateKey(key)
        )
        configuration.minimumTLSVersion = .tlsv12
        if !settings.caFile.isEmpty {
            let authorities: [NIOSSLCertificate]
            do {
                authorities = try NIOSSLCertificate.fromPEMFile(settings.caFile)
            } catch {
                throw ConfigurationError("tls.ca_file: cannot load \(settings.caFile): \(error)")
            }
            configuration.trustRoots = .certificates(authorities)
            // Tells clients which CAs are accepted, so one with several certificates picks the right one.
            configuration.sendCANameList = true
        }
        switch settings.verifyPeer {
        case .none: configuration.certificateVerification = .none
        case .optional: configuration.certificateVerification = .optionalVerification
        // A server has no host name to match a client certificate against.
        case .required: configuration.certificateVerification = .noHostnameVerification
        }
        do {
            return try NIOSSLContext(configuration: configuration)
        } catch {
            throw ConfigurationError("tls: the certificate, key and CA files do not make a TLS context: \(error)")
        }
    }
}
