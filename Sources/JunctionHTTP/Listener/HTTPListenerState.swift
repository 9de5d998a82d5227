import JunctionCore

/// State shared by every HTTP connection of one listener: leases of long-poll consumes (a receipt
/// may be settled on another connection than the one that polled) and the metrics registry.
///
/// `@unchecked Sendable` because the listener value that holds it must be `Sendable`, but like the
/// engine it is confined to the engine loop: it is only touched from HTTP handlers and timers on
/// that loop, never from elsewhere.
final class HTTPListenerState: @unchecked Sendable {
    let leases = HTTPLeases()
    let metrics = BrokerMetrics()
}
