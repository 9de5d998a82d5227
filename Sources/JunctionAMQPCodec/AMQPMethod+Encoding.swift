import NIOCore

extension AMQPMethod {
    /// Writes class-id, method-id and the arguments (a method frame's payload).
    func write(to buffer: inout ByteBuffer) {
        buffer.writeInteger(self.classID)
        buffer.writeInteger(self.methodID)
        switch self {
        case .connectionStart(let m): m.write(to: &buffer)
        case .connectionStartOk(let m): m.write(to: &buffer)
        case .connectionSecure(let challenge): buffer.writeAMQPLongString(bytes: challenge)
        case .connectionSecureOk(let response): buffer.writeAMQPLongString(bytes: response)
        case .connectionTune(let m): m.write(to: &buffer)
        case .connectionTuneOk(let m): m.write(to: &buffer)
        case .connectionOpen(let m): m.write(to: &buffer)
        case .connectionOpenOk: buffer.writeAMQPShortString("")
        case .connectionClose(let m): m.write(to: &buffer)
        case .connectionBlocked(let m): m.write(to: &buffer)
        case .connectionUpdateSecret(let m): m.write(to: &buffer)
        case .channelOpen: buffer.writeAMQPShortString("")
        case .channelOpenOk: buffer.writeAMQPLongString(bytes: [])
        case .channelFlow(let m): m.write(to: &buffer)
        case .channelFlowOk(let active): buffer.writeAMQPBits(active)
        case .channelClose(let m): m.write(to: &buffer)
        case .exchangeDeclare(let m): m.write(to: &buffer)
        case .exchangeDelete(let m): m.write(to: &buffer)
        case .exchangeBind(let m): m.write(to: &buffer)
        case .exchangeUnbind(let m): m.write(to: &buffer)
        case .queueDeclare(let m): m.write(to: &buffer)
        case .queueDeclareOk(let m): m.write(to: &buffer)
        case .queueBind(let m): m.write(to: &buffer)
        case .queuePurge(let m): m.write(to: &buffer)
        case .queuePurgeOk(let messageCount): buffer.writeInteger(messageCount)
        case .queueDelete(let m): m.write(to: &buffer)
        case .queueDeleteOk(let messageCount): buffer.writeInteger(messageCount)
        case .queueUnbind(let m): m.write(to: &buffer)
        case .basicQos(let m): m.write(to: &buffer)
        case .basicConsume(let m): m.write(to: &buffer)
        case .basicConsumeOk(let consumerTag): buffer.writeAMQPShortString(consumerTag)
        case .basicCancel(let m): m.write(to: &buffer)
        case .basicCancelOk(let consumerTag): buffer.writeAMQPShortString(consumerTag)
        case .basicPublish(let m): m.write(to: &buffer)
        case .basicReturn(let m): m.write(to: &buffer)
        case .basicDeliver(let m): m.write(to: &buffer)
        case .basicGet(let m): m.write(to: &buffer)
        case .basicGetOk(let m): m.write(to: &buffer)
        case .basicGetEmpty: buffer.writeAMQPShortString("")
        case .basicAck(let m): m.write(to: &buffer)
        case .basicReject(let m): m.write(to: &buffer)
        case .basicRecoverAsync(let requeue), .basicRecover(let requeue): buffer.writeAMQPBits(requeue)
        case .basicNack(let m): m.write(to: &buffer)
        case .confirmSelect(let noWait): buffer.writeAMQPBits(noWait)
        case .connectionCloseOk, .connectionUnblocked, .connectionUpdateSecretOk, .channelCloseOk, .exchangeDeclareOk,
            .exchangeDeleteOk, .exchangeBindOk, .exchangeUnbindOk, .queueBindOk, .queueUnbindOk, .basicQosOk,
            .basicRecoverOk, .confirmSelectOk, .txSelect, .txSelectOk, .txCommit, .txCommitOk, .txRollback,
            .txRollbackOk:
            break
        }
    }
}
