import NIOSSL

/// What one run does, whatever the protocol; built from `BenchOptions` and the protocol's own options.
struct BenchConfiguration: Sendable {
    /// `amqp`, `mqtt`, `stomp` or `http`: the first word of the result line.
    var protocolName: String
    /// A label for the result line and JSON (the bench scripts name their scenarios with it).
    var scenario: String
    var host: String
    var port: Int
    var publishers: Int
    var consumers: Int
    var bodySize: Int
    /// Total messages, or nil when publishing for `durationSeconds`.
    var count: Int?
    var durationSeconds: Int?
    /// Messages per write and flush.
    var batch: Int
    /// Messages per second each publisher sends, or nil for as fast as possible.
    var ratePerPublisher: Double?
    /// Unconfirmed messages allowed per publisher (confirms, QoS 1 acks, receipts), or nil when not confirming.
    var window: Int?
    /// Deliveries each published message should produce (1 on a shared queue; N with N fan-out queues or N
    /// subscribers of one topic; the consumer count on a stream).
    var copies: Int
    /// Connect consumers only after every publisher finished (stream replay: read what is already stored).
    var consumeAfterPublishing: Bool
    var drainTimeoutSeconds: Int
    /// The broker process whose CPU time the run reports, if given.
    var brokerCPU: BrokerCPUSampler?
    /// Every connection goes through TLS with this context (`--tls`), or none does.
    var tls: NIOSSLContext?

    /// The share of `count` publisher `index` sends; the first publishers take the remainder.
    func quota(ofPublisher index: Int) -> Int? {
        guard let count = self.count else { return nil }
        return count / self.publishers + (index < count % self.publishers ? 1 : 0)
    }
}
