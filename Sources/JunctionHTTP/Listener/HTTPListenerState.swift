import JunctionCore

/// State shared by every HTTP connection of one listener: leases of long-poll consumes (a receipt
/// may be settled on another connection than the one that polled) and the metrics registry.
///
/// Confined to the engine loop like the engine itself: the `Sendable` listener holds it in a
/// `NIOLoopBoundBox` bound to that loop, which checks the loop on every access, and hands it to each
/// connection handler (on the same loop).
final class HTTPListenerState {
    let leases = HTTPLeases()
    let metrics = BrokerMetrics()
}

@available(*, unavailable)
extension HTTPListenerState: Sendable {}
