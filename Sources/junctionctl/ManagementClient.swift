import Foundation

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// Talks to Junction's documented HTTP API (the RabbitMQ-shaped management API), nothing else.
struct ManagementClient: Sendable {
    var baseURL: String
    var user: String
    var password: String

    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    /// Percent-encodes one path segment (`/` becomes `%2F`, as the API expects for the default vhost).
    static func segment(_ text: String) -> String {
        var allowed = CharacterSet.urlPathAllowed
        allowed.remove("/")
        return text.addingPercentEncoding(withAllowedCharacters: allowed) ?? text
    }

    func request(_ method: String, _ path: String, body: Data? = nil) async throws -> Data {
        guard let url = URL(string: self.baseURL.trimmingSuffix("/") + path) else {
            throw Failure(description: "bad URL \(self.baseURL)\(path)")
        }
        var request = URLRequest(url: url)
        request.httpMethod = method
        request.httpBody = body
        if body != nil { request.setValue("application/json", forHTTPHeaderField: "Content-Type") }
        let token = Data("\(self.user):\(self.password)".utf8).base64EncodedString()
        request.setValue("Basic \(token)", forHTTPHeaderField: "Authorization")
        let (data, response) = try await Self.send(request)
        let status = (response as? HTTPURLResponse)?.statusCode ?? 0
        guard (200..<300).contains(status) else {
            if let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
                let reason = object["reason"]
            {
                throw Failure(description: "HTTP \(status) \(object["error"] ?? ""): \(reason)")
            }
            throw Failure(description: "HTTP \(status)")
        }
        return data
    }

    func json(_ method: String, _ path: String, body: Any? = nil) async throws -> Any? {
        let payload = try body.map { try JSONSerialization.data(withJSONObject: $0) }
        let data = try await self.request(method, path, body: payload)
        guard !data.isEmpty else { return nil }
        return try JSONSerialization.jsonObject(with: data)
    }

    private static func send(_ request: URLRequest) async throws -> (Data, URLResponse) {
        try await withCheckedThrowingContinuation { continuation in
            URLSession.shared.dataTask(with: request) { data, response, error in
                if let error {
                    continuation.resume(throwing: error)
                } else if let response {
                    continuation.resume(returning: (data ?? Data(), response))
                } else {
                    continuation.resume(throwing: Failure(description: "no response"))
                }
            }.resume()
        }
    }
}

extension String {
    fileprivate func trimmingSuffix(_ suffix: String) -> String {
        self.hasSuffix(suffix) ? String(self.dropLast(suffix.count)) : self
    }
}
