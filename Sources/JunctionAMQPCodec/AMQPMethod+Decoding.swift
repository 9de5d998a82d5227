import NIOCore

extension AMQPMethod {
    /// Decodes a method frame's whole payload: class-id, method-id, arguments (AMQP 0-9-1 §4.2.4).
    ///
    /// The payload must hold exactly the arguments: missing or extra bytes are `malformedMethod`.
    static func decode(payload: inout ByteBuffer) throws(AMQPDecodingError) -> AMQPMethod {
        var names = AMQPPublishNameCache()
        return try Self.decode(payload: &payload, names: &names)
    }

    /// Decodes with the connection's publish names at hand: basic.publish, the one method sent per message,
    /// reuses them while they repeat.
    static func decode(
        payload: inout ByteBuffer, names: inout AMQPPublishNameCache
    ) throws(AMQPDecodingError) -> AMQPMethod {
        let size = payload.readableBytes
        guard size >= 4, let classID = payload.readInteger(as: UInt16.self),
            let methodID = payload.readInteger(as: UInt16.self)
        else { throw AMQPDecodingError.methodFrameTooShort(size: size) }
        let method: AMQPMethod?
        if classID == 60 && methodID == 40 {
            method = try AMQPBasicPublish(reading: &payload, names: &names).map(AMQPMethod.basicPublish)
        } else {
            method = try Self.decodeArguments(classID: classID, methodID: methodID, from: &payload)
        }
        guard let method, payload.readableBytes == 0 else {
            throw AMQPDecodingError.malformedMethod(classID: classID, methodID: methodID)
        }
        return method
    }

    /// Returns nil when the arguments are truncated; throws for unknown methods and invalid values.
    private static func decodeArguments(
        classID: UInt16, methodID: UInt16, from payload: inout ByteBuffer
    ) throws(AMQPDecodingError) -> AMQPMethod? {
        switch (classID, methodID) {
        case (10, 10): try AMQPConnectionStart(reading: &payload).map(AMQPMethod.connectionStart)
        case (10, 11): try AMQPConnectionStartOk(reading: &payload).map(AMQPMethod.connectionStartOk)
        case (10, 20): payload.readAMQPLongStringBytes().map { AMQPMethod.connectionSecure(challenge: $0) }
        case (10, 21): payload.readAMQPLongStringBytes().map { AMQPMethod.connectionSecureOk(response: $0) }
        case (10, 30): AMQPConnectionTune(reading: &payload).map(AMQPMethod.connectionTune)
        case (10, 31): AMQPConnectionTuneOk(reading: &payload).map(AMQPMethod.connectionTuneOk)
        case (10, 40): try AMQPConnectionOpen(reading: &payload).map(AMQPMethod.connectionOpen)
        case (10, 41): try payload.readAMQPShortString().map { _ in AMQPMethod.connectionOpenOk }
        case (10, 50): try AMQPConnectionClose(reading: &payload).map(AMQPMethod.connectionClose)
        case (10, 51): .connectionCloseOk
        case (10, 60): try AMQPConnectionBlocked(reading: &payload).map(AMQPMethod.connectionBlocked)
        case (10, 61): .connectionUnblocked
        case (10, 70): try AMQPConnectionUpdateSecret(reading: &payload).map(AMQPMethod.connectionUpdateSecret)
        case (10, 71): .connectionUpdateSecretOk

        case (20, 10): try payload.readAMQPShortString().map { _ in AMQPMethod.channelOpen }
        case (20, 11): payload.readAMQPLongStringBytes().map { _ in AMQPMethod.channelOpenOk }
        case (20, 20): AMQPChannelFlow(reading: &payload).map(AMQPMethod.channelFlow)
        case (20, 21): payload.readInteger(as: UInt8.self).map { AMQPMethod.channelFlowOk(active: $0 & 1 != 0) }
        case (20, 40): try AMQPChannelClose(reading: &payload).map(AMQPMethod.channelClose)
        case (20, 41): .channelCloseOk

        case (40, 10): try AMQPExchangeDeclare(reading: &payload).map(AMQPMethod.exchangeDeclare)
        case (40, 11): .exchangeDeclareOk
        case (40, 20): try AMQPExchangeDelete(reading: &payload).map(AMQPMethod.exchangeDelete)
        case (40, 21): .exchangeDeleteOk
        case (40, 30): try AMQPExchangeBind(reading: &payload).map(AMQPMethod.exchangeBind)
        case (40, 31): .exchangeBindOk
        case (40, 40): try AMQPExchangeUnbind(reading: &payload).map(AMQPMethod.exchangeUnbind)
        case (40, 51): .exchangeUnbindOk

        case (50, 10): try AMQPQueueDeclare(reading: &payload).map(AMQPMethod.queueDeclare)
        case (50, 11): try AMQPQueueDeclareOk(reading: &payload).map(AMQPMethod.queueDeclareOk)
        case (50, 20): try AMQPQueueBind(reading: &payload).map(AMQPMethod.queueBind)
        case (50, 21): .queueBindOk
        case (50, 30): try AMQPQueuePurge(reading: &payload).map(AMQPMethod.queuePurge)
        case (50, 31): payload.readInteger(as: UInt32.self).map { AMQPMethod.queuePurgeOk(messageCount: $0) }
        case (50, 40): try AMQPQueueDelete(reading: &payload).map(AMQPMethod.queueDelete)
        case (50, 41): payload.readInteger(as: UInt32.self).map { AMQPMethod.queueDeleteOk(messageCount: $0) }
        case (50, 50): try AMQPQueueUnbind(reading: &payload).map(AMQPMethod.queueUnbind)
        case (50, 51): .queueUnbindOk

        case (60, 10): AMQPBasicQos(reading: &payload).map(AMQPMethod.basicQos)
        case (60, 11): .basicQosOk
        case (60, 20): try AMQPBasicConsume(reading: &payload).map(AMQPMethod.basicConsume)
        case (60, 21): try payload.readAMQPShortString().map { AMQPMethod.basicConsumeOk(consumerTag: $0) }
        case (60, 30): try AMQPBasicCancel(reading: &payload).map(AMQPMethod.basicCancel)
        case (60, 31): try payload.readAMQPShortString().map { AMQPMethod.basicCancelOk(consumerTag: $0) }
        case (60, 40): try AMQPBasicPublish(reading: &payload).map(AMQPMethod.basicPublish)
        case (60, 50): try AMQPBasicReturn(reading: &payload).map(AMQPMethod.basicReturn)
        case (60, 60): try AMQPBasicDeliver(reading: &payload).map(AMQPMethod.basicDeliver)
        case (60, 70): try AMQPBasicGet(reading: &payload).map(AMQPMethod.basicGet)
        case (60, 71): try AMQPBasicGetOk(reading: &payload).map(AMQPMethod.basicGetOk)
        case (60, 72): try payload.readAMQPShortString().map { _ in AMQPMethod.basicGetEmpty }
        case (60, 80): AMQPBasicAck(reading: &payload).map(AMQPMethod.basicAck)
        case (60, 90): AMQPBasicReject(reading: &payload).map(AMQPMethod.basicReject)
        case (60, 100): payload.readInteger(as: UInt8.self).map { AMQPMethod.basicRecoverAsync(requeue: $0 & 1 != 0) }
        case (60, 110): payload.readInteger(as: UInt8.self).map { AMQPMethod.basicRecover(requeue: $0 & 1 != 0) }
        case (60, 111): .basicRecoverOk
        case (60, 120): AMQPBasicNack(reading: &payload).map(AMQPMethod.basicNack)

        case (85, 10): payload.readInteger(as: UInt8.self).map { AMQPMethod.confirmSelect(noWait: $0 & 1 != 0) }
        case (85, 11): .confirmSelectOk

        case (90, 10): .txSelect
        case (90, 11): .txSelectOk
        case (90, 20): .txCommit
        case (90, 21): .txCommitOk
        case (90, 30): .txRollback
        case (90, 31): .txRollbackOk

        default: throw AMQPDecodingError.unknownMethod(classID: classID, methodID: methodID)
        }
    }
}
