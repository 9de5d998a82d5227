import JunctionCore
import NIOCore

/// The open client connections of every listener, so shutdown can tell each to close. Lives on
/// the broker loop; it is touched only when a connection opens or closes.
final class ConnectionRegistry {
    private var channels: [ConnectionID: any Channel] = [:]
    private var nextID: UInt64 = 0

    func register(_ channel: any Channel) -> ConnectionID {
        self.nextID += 1
        let id = ConnectionID(self.nextID)
        self.channels[id] = channel
        return id
    }

    func remove(_ id: ConnectionID) {
        self.channels[id] = nil
    }

    var all: [any Channel] { Array(self.channels.values) }
    var isEmpty: Bool { self.channels.isEmpty }
}
