import JunctionCore

/// A one-shot stream consumer for `GET /api/v1/streams/.../messages`: attached with credit `max`,
/// it takes what the stream hands it synchronously on `resume()` (the stream delivers from its
/// log on the engine loop before `resume()` returns), then the API acknowledges and cancels it.
final class HTTPStreamReader: StreamConsumer {
    private(set) var deliveries: [StreamDelivery] = []
    private(set) var wasCancelled = false

    var isReadyForDeliveries: Bool { true }

    func deliver(_ delivery: StreamDelivery) {
        self.deliveries.append(delivery)
    }

    func consumerCancelled(subscription: StreamSubscription) {
        self.wasCancelled = true
    }
}
