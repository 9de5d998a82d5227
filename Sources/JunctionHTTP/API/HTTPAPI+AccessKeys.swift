import JunctionCore
import NIOCore
import NIOHTTP1

extension HTTPAPI {
    /// `PUT /api/users/{user}/access-keys` creates an SQS access key and shows its secret this once;
    /// `GET` lists the user's key ids (never secrets). Administrators only, like users.
    func accessKeys(of user: String, request: HTTPRequest) throws(HTTPAPIError) -> HTTPAPIResult {
        guard let store = self.configuration.accessKeys?.value else {
            throw .notFound("the SQS listener is not configured")
        }
        guard self.broker.accessControl.user(named: user) != nil else { throw .notFound("no user '\(user)'") }
        if request.method == .PUT {
            let key = try store.create(for: user, now: Int64(self.broker.now / 1000))
            return .response(
                .json(
                    .object([
                        ("user", .string(user)), ("access_key_id", .string(key.id)),
                        ("secret_access_key", .string(key.secret)), ("created_at", .int(key.createdAt)),
                    ]), status: .created))
        }
        let keys = store.keys(of: user).map { key in
            JSONValue.object([("access_key_id", .string(key.id)), ("created_at", .int(key.createdAt))])
        }
        return .response(.json(.array(keys)))
    }

    /// `DELETE /api/users/{user}/access-keys/{id}`: the key stops working at once.
    func deleteAccessKey(_ id: String, of user: String) throws(HTTPAPIError) -> HTTPAPIResult {
        guard let store = self.configuration.accessKeys?.value, try store.delete(id: id, of: user) else {
            throw .notFound("no access key '\(id)' of user '\(user)'")
        }
        return .response(.noContent())
    }
}
