import Configuration

extension TLSSettings {
    /// The `tls` section from `reader`; every key is present in some provider (the defaults hold all).
    init(reading reader: ConfigReader) throws {
        func string(_ key: ConfigKey) throws -> String {
            do {
                return try reader.requiredString(forKey: key)
            } catch {
                throw ConfigurationError("configuration key \(key): \(error)")
            }
        }
        let verifyName = try string(ConfigurationKeys.tlsVerifyPeer)
        guard let verifyPeer = PeerVerification(rawValue: verifyName) else {
            let valid = PeerVerification.allCases.map(\.rawValue).joined(separator: ", ")
            throw ConfigurationError("tls.verify_peer: \"\(verifyName)\" is not one of \(valid)")
        }
        self.init(
            certFile: try string(ConfigurationKeys.tlsCertFile),
            keyFile: try string(ConfigurationKeys.tlsKeyFile),
            caFile: try string(ConfigurationKeys.tlsCAFile),
            verifyPeer: verifyPeer
        )
    }
}
