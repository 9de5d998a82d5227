import ArgumentParser
import NIOSSL

/// `--tls --ca-file FILE`: connect to the broker's TLS port. The client trusts only the CAs in the
/// file and checks the chain but not the host name (benchmarks connect to an IP address), and
/// offers no client certificate.
struct BenchTLSOptions: ParsableArguments {
    @Flag(help: "Connect over TLS (give the broker's TLS port); see --ca-file.") var tls = false
    @Option(help: "With --tls: PEM CA certificates the broker's certificate must chain to.") var caFile: String?

    func validate() throws {
        if self.tls != (self.caFile != nil) {
            throw ValidationError("--tls and --ca-file go together")
        }
    }

    /// The client context every connection of the run shares; nil without --tls.
    func makeContext() throws -> NIOSSLContext? {
        guard self.tls, let caFile = self.caFile else { return nil }
        var configuration = TLSConfiguration.makeClientConfiguration()
        configuration.trustRoots = .certificates(try NIOSSLCertificate.fromPEMFile(caFile))
        configuration.certificateVerification = .noHostnameVerification
        return try NIOSSLContext(configuration: configuration)
    }
}
