import JunctionStorage

/// Offsets as plain integers, so protocol adapters (the HTTP API) need not import the storage
/// module, as with `StreamDelivery.offset`.
extension StreamQueue {
    /// The first retained offset and the offset the next message will get (equal while empty).
    public var offsetRange: (first: Int64, next: Int64) { (self.firstOffset.rawValue, self.nextOffset.rawValue) }

    /// The attached consumers, in the order they came (for the management API's consumer listing).
    public var consumers: [StreamSubscription] { self.subscriptions }
}

extension StreamSubscription {
    /// The next offset this consumer reads.
    public var nextOffsetToRead: Int64 { self.position.rawValue }
}
