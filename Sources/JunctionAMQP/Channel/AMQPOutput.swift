import JunctionAMQPCodec
import JunctionCore
import JunctionModel
import JunctionTransport
import NIOCore

/// AMQP framing on top of the connection's `ConnectionOutput`: every frame of a read burst
/// (replies, deliveries, confirms) goes into one buffer, written with one flush. One object, shared by the
/// connection and its channel sessions, so a delivery reaches the buffer without going through the connection.
final class AMQPOutput {
    let sink: ConnectionOutput
    var frameMax: Int
    /// The channel's writability, kept by the connection: asked once per delivery.
    var isWritable = false

    init(frameMax: Int, deliveryHighWaterMark: Int = ConnectionOutput.defaultDeliveryHighWaterMark) {
        self.sink = ConnectionOutput(minimumCapacity: 4096, deliveryHighWaterMark: deliveryHighWaterMark)
        self.frameMax = frameMax
    }

    func method(_ channel: AMQPChannelID, _ method: AMQPMethod) {
        self.sink.buffer.writeAMQPMethodFrame(channel: channel, method: method)
    }

    /// basic.deliver with the message's header and body frames; `properties` replaces the message's own.
    func delivery(
        _ channel: AMQPChannelID, consumerTag: String, deliveryTag: UInt64, redelivered: Bool, message: Message,
        properties: MessageProperties? = nil
    ) {
        self.sink.buffer.writeAMQPDelivery(
            channel: channel, consumerTag: consumerTag, deliveryTag: deliveryTag, redelivered: redelivered,
            exchange: message.exchange, routingKey: message.routingKey, properties: properties ?? message.properties,
            body: message.body, frameMax: self.frameMax)
    }

    /// Header and body frames of one message, the body split by frame_max.
    func content(_ channel: AMQPChannelID, properties: MessageProperties, body: ByteBuffer) {
        self.sink.buffer.writeAMQPContent(channel: channel, properties: properties, body: body, frameMax: self.frameMax)
    }
}
