import JunctionAMQPCodec
import JunctionCore

/// Exchange and queue methods (classes 40 and 50): one engine call each, then the reply unless no-wait.
extension AMQPChannelSession {
    func executeTopology(_ method: AMQPMethod) throws(AMQPError) {
        let owner = self.connection.connectionID
        switch method {
        case .exchangeDeclare(let declare):
            try self.engine(method) {
                try self.virtualHost.declareExchange(
                    declare.exchange,
                    type: declare.type,
                    durable: declare.durable,
                    autoDelete: declare.autoDelete,
                    internal: declare.internal,
                    arguments: declare.arguments,
                    passive: declare.passive, access: self.access
                )
            }
            if !declare.noWait { self.send(.exchangeDeclareOk) }
        case .exchangeDelete(let delete):
            try self.engine(method) {
                try self.virtualHost.deleteExchange(delete.exchange, ifUnused: delete.ifUnused, access: self.access)
            }
            if !delete.noWait { self.send(.exchangeDeleteOk) }
        case .exchangeBind(let bind):
            try self.engine(method) {
                try self.virtualHost.bindExchange(
                    destination: bind.destination,
                    source: bind.source,
                    routingKey: bind.routingKey,
                    arguments: bind.arguments, access: self.access
                )
            }
            if !bind.noWait { self.send(.exchangeBindOk) }
        case .exchangeUnbind(let unbind):
            try self.engine(method) {
                try self.virtualHost.unbindExchange(
                    destination: unbind.destination,
                    source: unbind.source,
                    routingKey: unbind.routingKey,
                    arguments: unbind.arguments, access: self.access
                )
            }
            if !unbind.noWait { self.send(.exchangeUnbindOk) }

        case .queueDeclare(let declare):
            let ok = try self.engine(method) {
                try self.virtualHost.declareQueue(
                    declare.queue,
                    durable: declare.durable,
                    exclusive: declare.exclusive,
                    autoDelete: declare.autoDelete,
                    arguments: declare.arguments,
                    passive: declare.passive,
                    owner: owner, access: self.access
                )
            }
            if !declare.noWait {
                self.send(
                    .queueDeclareOk(
                        AMQPQueueDeclareOk(
                            queue: ok.queue,
                            messageCount: UInt32(clamping: ok.messageCount),
                            consumerCount: UInt32(clamping: ok.consumerCount)
                        )
                    )
                )
            }
        case .queueBind(let bind):
            try self.engine(method) {
                try self.virtualHost.bindQueue(
                    bind.queue,
                    exchange: bind.exchange,
                    routingKey: bind.routingKey,
                    arguments: bind.arguments,
                    owner: owner, access: self.access
                )
            }
            if !bind.noWait { self.send(.queueBindOk) }
        case .queueUnbind(let unbind):
            try self.engine(method) {
                try self.virtualHost.unbindQueue(
                    unbind.queue,
                    exchange: unbind.exchange,
                    routingKey: unbind.routingKey,
                    arguments: unbind.arguments,
                    owner: owner, access: self.access
                )
            }
            self.send(.queueUnbindOk)
        case .queuePurge(let purge):
            let count = try self.engine(method) {
                try self.virtualHost.purgeQueue(purge.queue, owner: owner, access: self.access)
            }
            if !purge.noWait { self.send(.queuePurgeOk(messageCount: UInt32(clamping: count))) }
        case .queueDelete(let delete):
            let count = try self.engine(method) {
                try self.virtualHost.deleteQueue(
                    delete.queue,
                    ifUnused: delete.ifUnused,
                    ifEmpty: delete.ifEmpty,
                    owner: owner, access: self.access
                )
            }
            if !delete.noWait { self.send(.queueDeleteOk(messageCount: UInt32(clamping: count))) }
        default:
            preconditionFailure("not an exchange or queue method: \(method.classID).\(method.methodID)")
        }
    }
}
