/// The SASL mechanisms a client may choose in connection.start-ok.
enum AMQPSASL {
    static let mechanisms = "PLAIN AMQPLAIN"
    /// Offered when the connection has a verified TLS client certificate: the certificate's common
    /// name is the user (RabbitMQ's rabbitmq_auth_mechanism_ssl).
    static let mechanismsWithExternal = "PLAIN AMQPLAIN EXTERNAL"
    static let external = "EXTERNAL"

    /// Extracts the user name and password, or nil when the mechanism is unknown or the response malformed.
    static func credentials(mechanism: String, response: [UInt8]) -> (username: String, password: String)? {
        switch mechanism {
        case "PLAIN":
            // RFC 4616: [authzid] NUL authcid NUL passwd
            let parts = response.split(separator: 0, omittingEmptySubsequences: false)
            guard parts.count == 3 else { return nil }
            return (String(decoding: parts[1], as: UTF8.self), String(decoding: parts[2], as: UTF8.self))
        case "AMQPLAIN":
            return Self.amqplain(response)
        default:
            return nil
        }
    }

    /// AMQPLAIN is a field table without its length prefix holding LOGIN and PASSWORD as long strings.
    private static func amqplain(_ response: [UInt8]) -> (username: String, password: String)? {
        var login: String?
        var password: String?
        var index = 0
        func byte() -> UInt8? {
            guard index < response.count else { return nil }
            defer { index += 1 }
            return response[index]
        }
        while index < response.count {
            guard let nameLength = byte(), index + Int(nameLength) <= response.count else { return nil }
            let name = String(decoding: response[index..<index + Int(nameLength)], as: UTF8.self)
            index += Int(nameLength)
            guard let tag = byte(), tag == UInt8(ascii: "S"), index + 4 <= response.count else { return nil }
            let length = response[index..<index + 4].reduce(0) { $0 << 8 | Int($1) }
            index += 4
            guard index + length <= response.count else { return nil }
            let value = String(decoding: response[index..<index + length], as: UTF8.self)
            index += length
            switch name {
            case "LOGIN": login = value
            case "PASSWORD": password = value
            default: break
            }
        }
        guard let login, let password else { return nil }
        return (login, password)
    }
}
