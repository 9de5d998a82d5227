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

    /// - Parameter acceptingStatuses: error statuses whose body is the answer all the same (a 503 probe).
    func request(
        _ method: String, _ path: String, body: Data? = nil, headers: [String: String] = [:],
        acceptingStatuses: Set<Int> = []
    ) async throws -> Data {
        guard let url = URL(string: self.baseURL.trimmingSuffix("/") + path) else {
            throw Failure(description: "bad URL \(self.baseURL)\(path)")
        }
        var request = URLRequest(url: url)
        request.httpMethod = method
        request.httpBody = body
        if body != nil { request.setValue("application/json", forHTTPHeaderField: "Content-Type") }
        let token = Data("\(self.user):\(self.password)".utf8).base64EncodedString()
        request.setValue("Basic \(token)", forHTTPHeaderField: "Authorization")
        for (name, value) in headers { request.setValue(value, forHTTPHeaderField: name) }
        let (data, response) = try await Self.send(request)
        let status = (response as? HTTPURLResponse)?.statusCode ?? 0
        guard (200..<300).contains(status) || acceptingStatuses.contains(status) else {
            if let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
                let reason = object["reason"]
            {
                throw Failure(description: "HTTP \(status) \(object["error"] ?? ""): \(reason)")
            }
            throw Failure(description: "HTTP \(status)")
        }
        return data
    }

    func json(_ method: String, _ path: String, body: Any? = nil, headers: [String: String] = [:]) async throws -> Any?
    {
        let payload = try body.map { try JSONSerialization.data(withJSONObject: $0) }
        let data = try await self.request(method, path, body: payload, headers: headers)
        guard !data.isEmpty else { return nil }
        return try JSONSerialization.jsonObject(with: data)
    }

    /// Credentials go with every request (Basic), so a 401 challenge means they were refused: the
    /// session must not answer it (FoundationNetworking on Linux would wait for an answer until the
    /// request times out) but end the request, reported as the 401 it is.
    /// `@unchecked Sendable` because `NSObject` subclasses cannot be checked; it has no stored state.
    private final class ChallengeRefuser: NSObject, URLSessionTaskDelegate, @unchecked Sendable {
        func urlSession(
            _ session: URLSession, task: URLSessionTask, didReceive challenge: URLAuthenticationChallenge,
            completionHandler: @escaping @Sendable (URLSession.AuthChallengeDisposition, URLCredential?) -> Void
        ) {
            completionHandler(.cancelAuthenticationChallenge, nil)
        }
    }

    private static let session = URLSession(
        configuration: .default, delegate: ChallengeRefuser(), delegateQueue: nil)

    private static func send(_ request: URLRequest) async throws -> (Data, URLResponse) {
        try await withCheckedThrowingContinuation { continuation in
            Self.session.dataTask(with: request) { data, response, error in
                if let error = error as? URLError, error.code == .cancelled || error.code == .userAuthenticationRequired
                {
                    continuation.resume(throwing: Failure(description: "HTTP 401 not_authorised: login refused"))
                } else if let error {
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
