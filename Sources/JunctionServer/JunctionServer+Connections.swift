import JunctionCore
import JunctionTransport
import Logging
import NIOCore

extension JunctionServer {
    /// A connection accepted on the engine loop: registered, its protocol's pipeline installed, and held
    /// like the other publishers when an alarm is on.
    static func initializeOnEngineLoop(
        _ channel: any Channel, listener: any ProtocolListener, state: NIOLoopBound<EngineState>
    ) throws {
        let engine = state.value
        let id = Self.register(channel, state: state)
        try listener.initializeConnection(
            channel,
            broker: engine.broker,
            connectionID: id,
            isLoopback: channel.remoteAddress?.isLoopback ?? false
        )
        Self.holdDuringAlarm(channel, engine: engine)
    }

    /// A connection accepted on one of its listener's own loops: registered on the engine loop (one hop),
    /// then its pipeline installed on its own loop; the connection is read once both are done.
    static func initializeOnOwnLoop(
        _ channel: any Channel, listener: any OwnLoopsProtocolListener, tls: TLSContextStore?, tlsLogger: Logger,
        state: NIOLoopBound<EngineState>
    ) -> EventLoopFuture<Void> {
        let engineLoop = state.eventLoop
        return engineLoop.submit { () -> (ConnectionID, NIOLoopBound<Broker>) in
            (Self.register(channel, state: state), NIOLoopBound(state.value.broker, eventLoop: engineLoop))
        }
        .hop(to: channel.eventLoop)
        .flatMapThrowing { id, broker in
            try tls?.addHandlers(to: channel, logger: tlsLogger)
            try listener.initializeConnection(
                channel, broker: broker, connectionID: id, isLoopback: channel.remoteAddress?.isLoopback ?? false)
        }
        .flatMap {
            engineLoop.submit { Self.holdDuringAlarm(channel, engine: state.value) }.hop(to: channel.eventLoop)
        }
    }

    /// On the engine loop: the connection is in the registry (shutdown tells it to close) until it closes.
    private static func register(_ channel: any Channel, state: NIOLoopBound<EngineState>) -> ConnectionID {
        let id = state.value.connections.register(channel)
        let engineLoop = state.eventLoop
        channel.closeFuture.hop(to: engineLoop).whenComplete { _ in
            state.value.connections.remove(id)
        }
        return id
    }

    /// A publisher that connects during an alarm is held like the others.
    private static func holdDuringAlarm(_ channel: any Channel, engine: EngineState) {
        if engine.memoryAlarm || engine.diskAlarm {
            let reason = engine.memoryAlarm ? "low on memory" : "low on disk space"
            channel.pipeline.fireUserInboundEventTriggered(ResourceAlarmEvent.raised(reason: reason))
        }
    }
}
