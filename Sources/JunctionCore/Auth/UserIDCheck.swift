public import JunctionModel

extension MessageProperties {
    /// RabbitMQ's validated user id: a message whose `user-id` property names someone other than
    /// the publisher's logged-in user is refused (`.preconditionFailed`, AMQP 406), so consumers may
    /// trust the property. Each adapter calls it on publish and reports the error in its own words.
    public func checkUserID(publishedBy user: String) throws(BrokerError) {
        if let userID = self.userID, userID != user {
            throw .preconditionFailed("user_id property set to '\(userID)' but authenticated user was '\(user)'")
        }
    }
}
