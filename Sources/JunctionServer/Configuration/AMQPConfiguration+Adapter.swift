import JunctionAMQP

extension AMQPConfiguration {
    /// The listener's view of the `amqp` section.
    var adapterConfiguration: AMQPAdapterConfiguration {
        AMQPAdapterConfiguration(
            frameMax: UInt32(clamping: self.frameMax),
            channelMax: UInt16(clamping: self.channelMax),
            heartbeatSeconds: UInt16(clamping: self.heartbeat.components.seconds),
            maxMessageSize: UInt64(clamping: self.maxMessageSize),
            handshakeTimeout: self.handshakeTimeout
        )
    }
}
