import JunctionStorage
import Logging

extension Broker {
    /// Deletes a virtual host with everything in it: its connections are closed (in their protocol's
    /// words), its queues deleted with their stored messages, its definitions removed from the
    /// metadata store. The default virtual host cannot be deleted.
    public func deleteVirtualHost(_ name: String) throws(BrokerError) {
        guard name != self.configuration.defaultVirtualHost else {
            throw .preconditionFailed("the default virtual host '\(name)' cannot be deleted")
        }
        guard let host = self.virtualHost(name) else {
            throw .notFound("no vhost '\(name)'")
        }
        for connection in self.connections where connection.summary.virtualHost == name {
            connection.closeByOperator(reason: "vhost '\(name)' is deleted")
        }
        host.removeEverything()
        self.forgetVirtualHost(name)
        self.accessControl.virtualHostDeleted(name)
        if let metadata = self.metadata {
            do {
                try metadata.write { _ = try $0.deleteVirtualHost(named: name) }
            } catch {
                self.logger.error(
                    "cannot remove virtual host from the metadata store",
                    metadata: ["vhost": "\(name)", "error": "\(error)"])
            }
        }
    }
}

extension VirtualHost {
    /// Deletes every queue (consumers are cancelled, stored messages dropped) and exchange, without
    /// writing each removal to the metadata store (the virtual host's rows go in one transaction).
    func removeEverything() {
        self.suppressesMetadataWrites = true
        defer { self.suppressesMetadataWrites = false }
        for queue in self.queues {
            self.removeQueue(queue)
        }
        for exchange in self.allExchanges where !exchange.name.isEmpty {
            self.removeExchange(exchange)
        }
    }
}
