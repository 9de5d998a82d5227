/// Every AMQP 0-9-1 method of the classes connection (10), channel (20), exchange (40), queue (50), basic (60),
/// confirm (85, RabbitMQ) and tx (90), with RabbitMQ's extensions (connection.blocked/unblocked/update-secret,
/// exchange.bind/unbind, basic.nack). Reserved fields are omitted: they are skipped on decode and written as zero or
/// empty on encode.
public enum AMQPMethod: Sendable, Equatable {
    case connectionStart(AMQPConnectionStart)
    case connectionStartOk(AMQPConnectionStartOk)
    case connectionSecure(challenge: [UInt8])
    case connectionSecureOk(response: [UInt8])
    case connectionTune(AMQPConnectionTune)
    case connectionTuneOk(AMQPConnectionTuneOk)
    case connectionOpen(AMQPConnectionOpen)
    case connectionOpenOk
    case connectionClose(AMQPConnectionClose)
    case connectionCloseOk
    case connectionBlocked(AMQPConnectionBlocked)
    case connectionUnblocked
    case connectionUpdateSecret(AMQPConnectionUpdateSecret)
    case connectionUpdateSecretOk

    case channelOpen
    case channelOpenOk
    case channelFlow(AMQPChannelFlow)
    case channelFlowOk(active: Bool)
    case channelClose(AMQPChannelClose)
    case channelCloseOk

    case exchangeDeclare(AMQPExchangeDeclare)
    case exchangeDeclareOk
    case exchangeDelete(AMQPExchangeDelete)
    case exchangeDeleteOk
    case exchangeBind(AMQPExchangeBind)
    case exchangeBindOk
    case exchangeUnbind(AMQPExchangeUnbind)
    case exchangeUnbindOk

    case queueDeclare(AMQPQueueDeclare)
    case queueDeclareOk(AMQPQueueDeclareOk)
    case queueBind(AMQPQueueBind)
    case queueBindOk
    case queuePurge(AMQPQueuePurge)
    case queuePurgeOk(messageCount: UInt32)
    case queueDelete(AMQPQueueDelete)
    case queueDeleteOk(messageCount: UInt32)
    case queueUnbind(AMQPQueueUnbind)
    case queueUnbindOk

    case basicQos(AMQPBasicQos)
    case basicQosOk
    case basicConsume(AMQPBasicConsume)
    case basicConsumeOk(consumerTag: String)
    case basicCancel(AMQPBasicCancel)
    case basicCancelOk(consumerTag: String)
    case basicPublish(AMQPBasicPublish)
    case basicReturn(AMQPBasicReturn)
    case basicDeliver(AMQPBasicDeliver)
    case basicGet(AMQPBasicGet)
    case basicGetOk(AMQPBasicGetOk)
    case basicGetEmpty
    case basicAck(AMQPBasicAck)
    case basicReject(AMQPBasicReject)
    case basicRecoverAsync(requeue: Bool)
    case basicRecover(requeue: Bool)
    case basicRecoverOk
    case basicNack(AMQPBasicNack)

    case confirmSelect(noWait: Bool)
    case confirmSelectOk

    case txSelect
    case txSelectOk
    case txCommit
    case txCommitOk
    case txRollback
    case txRollbackOk

    /// The class-id on the wire.
    public var classID: UInt16 {
        switch self {
        case .connectionStart, .connectionStartOk, .connectionSecure, .connectionSecureOk, .connectionTune,
            .connectionTuneOk, .connectionOpen, .connectionOpenOk, .connectionClose, .connectionCloseOk,
            .connectionBlocked, .connectionUnblocked, .connectionUpdateSecret, .connectionUpdateSecretOk:
            10
        case .channelOpen, .channelOpenOk, .channelFlow, .channelFlowOk, .channelClose, .channelCloseOk:
            20
        case .exchangeDeclare, .exchangeDeclareOk, .exchangeDelete, .exchangeDeleteOk, .exchangeBind, .exchangeBindOk,
            .exchangeUnbind, .exchangeUnbindOk:
            40
        case .queueDeclare, .queueDeclareOk, .queueBind, .queueBindOk, .queuePurge, .queuePurgeOk, .queueDelete,
            .queueDeleteOk, .queueUnbind, .queueUnbindOk:
            50
        case .basicQos, .basicQosOk, .basicConsume, .basicConsumeOk, .basicCancel, .basicCancelOk, .basicPublish,
            .basicReturn, .basicDeliver, .basicGet, .basicGetOk, .basicGetEmpty, .basicAck, .basicReject,
            .basicRecoverAsync, .basicRecover, .basicRecoverOk, .basicNack:
            60
        case .confirmSelect, .confirmSelectOk:
            85
        case .txSelect, .txSelectOk, .txCommit, .txCommitOk, .txRollback, .txRollbackOk:
            90
        }
    }

    /// The method-id on the wire, within its class.
    public var methodID: UInt16 {
        switch self {
        case .connectionStart: 10
        case .connectionStartOk: 11
        case .connectionSecure: 20
        case .connectionSecureOk: 21
        case .connectionTune: 30
        case .connectionTuneOk: 31
        case .connectionOpen: 40
        case .connectionOpenOk: 41
        case .connectionClose: 50
        case .connectionCloseOk: 51
        case .connectionBlocked: 60
        case .connectionUnblocked: 61
        case .connectionUpdateSecret: 70
        case .connectionUpdateSecretOk: 71
        case .channelOpen: 10
        case .channelOpenOk: 11
        case .channelFlow: 20
        case .channelFlowOk: 21
        case .channelClose: 40
        case .channelCloseOk: 41
        case .exchangeDeclare: 10
        case .exchangeDeclareOk: 11
        case .exchangeDelete: 20
        case .exchangeDeleteOk: 21
        case .exchangeBind: 30
        case .exchangeBindOk: 31
        case .exchangeUnbind: 40
        case .exchangeUnbindOk: 51
        case .queueDeclare: 10
        case .queueDeclareOk: 11
        case .queueBind: 20
        case .queueBindOk: 21
        case .queuePurge: 30
        case .queuePurgeOk: 31
        case .queueDelete: 40
        case .queueDeleteOk: 41
        case .queueUnbind: 50
        case .queueUnbindOk: 51
        case .basicQos: 10
        case .basicQosOk: 11
        case .basicConsume: 20
        case .basicConsumeOk: 21
        case .basicCancel: 30
        case .basicCancelOk: 31
        case .basicPublish: 40
        case .basicReturn: 50
        case .basicDeliver: 60
        case .basicGet: 70
        case .basicGetOk: 71
        case .basicGetEmpty: 72
        case .basicAck: 80
        case .basicReject: 90
        case .basicRecoverAsync: 100
        case .basicRecover: 110
        case .basicRecoverOk: 111
        case .basicNack: 120
        case .confirmSelect: 10
        case .confirmSelectOk: 11
        case .txSelect: 10
        case .txSelectOk: 11
        case .txCommit: 20
        case .txCommitOk: 21
        case .txRollback: 30
        case .txRollbackOk: 31
        }
    }

    /// True for the methods followed by a content header and body frames: publish, return, deliver, get-ok.
    public var hasContent: Bool {
        switch self {
        case .basicPublish, .basicReturn, .basicDeliver, .basicGetOk: true
        default: false
        }
    }
}
