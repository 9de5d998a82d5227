import JunctionCore
import JunctionMQTTCodec
import JunctionTransport
import Logging
import NIOCore

/// CONNECT: authentication, session ownership and takeover, the stored session, keep-alive.
/// The rules themselves are `MQTTConnectRules` and the session state machine.
extension MQTTConnectionHandler {
    func connect(_ connect: MQTTConnect) {
        let clientID: String
        var assigned: String?
        switch MQTTConnectRules.clientIdentifier(of: connect, assign: MQTTConnectRules.generatedClientIdentifier) {
        case .given(let given):
            clientID = given
        case .assigned(let generated):
            (clientID, assigned) = (generated, generated)
        case .refused(let reason):
            self.run(self.stateMachine.connectRefused(reason))
            self.run(.close(reason, sendDisconnect: false))
            return
        }
        guard let user = self.authenticate(connect) else {
            self.userName = nil
            let reason: MQTTReasonCode = connect.username == nil ? .notAuthorized : .badUserNameOrPassword
            self.logger.notice("MQTT login refused", metadata: ["user": "\(connect.username ?? "")"])
            guard let channel = self.context?.channel else { return }
            self.broker.refuseLogin(on: channel) { [self] in
                self.run(self.stateMachine.connectRefused(reason))
                self.run(.close(reason, sendDisconnect: false))
            }
            return
        }
        self.userName = user.name
        if let channel = self.context?.channel { self.broker.acceptLogin(on: channel) }
        // Access to the virtual host is checked now; the context itself (with its decision cache)
        // is only created for the first engine call that needs it.
        guard let virtualHost = self.broker.virtualHost(self.configuration.virtualHost),
            (try? self.broker.accessContext(user: user.name, virtualHost: virtualHost.name, clientID: clientID)) != nil
        else {
            self.run(self.stateMachine.connectRefused(.notAuthorized))
            self.run(.close(.notAuthorized, sendDisconnect: false))
            return
        }
        if let refusal = self.broker.connectionLimitRefusal(
            self.connectionID, user: user.name, virtualHost: virtualHost.name)
        {
            self.logger.notice("MQTT connection refused", metadata: ["reason": "\(refusal)"])
            self.run(self.stateMachine.connectRefused(.quotaExceeded))
            self.run(.close(.quotaExceeded, sendDisconnect: false))
            return
        }
        // A session belongs to the user who created it: another user's CONNECT with its client id
        // is refused, and the owner keeps its connection and its messages.
        let stored: MQTTSessionRecord?
        do {
            stored = try self.server.sessions.load(clientID: clientID)
        } catch {
            self.run(self.stateMachine.sessionStoreFailedAtConnect())
            return
        }
        let liveOwner = self.server.live[clientID]?.userName
        if !MQTTConnectRules.mayAttach(user: user.name, liveOwner: liveOwner, storedOwner: stored?.owner) {
            self.logger.notice(
                "MQTT session takeover refused", metadata: ["client": "\(clientID)", "user": "\(user.name)"])
            self.run(self.stateMachine.connectRefused(.notAuthorized))
            self.run(.close(.notAuthorized, sendDisconnect: false))
            return
        }
        self.virtualHost = virtualHost

        // Session takeover [MQTT-3.1.4-3].
        let previous = self.server.live[clientID]
        previous?.takenOver()
        self.server.expiryTimers.removeValue(forKey: clientID)?.cancel()
        self.server.willTimers.removeValue(forKey: clientID)?.cancel()
        self.server.live[clientID] = self
        self.clientID = clientID
        self.will = connect.will

        let expiry = self.stateMachine.sessionExpiry
        let session: MQTTConnectRules.Session
        do {
            // After a takeover, loaded again: the previous connection staged its state. Otherwise the
            // record read above is what the store holds.
            session = MQTTConnectRules.session(
                clientID: clientID,
                stored: previous == nil ? stored : try self.server.sessions.load(clientID: clientID),
                cleanStart: connect.cleanStart, expiry: expiry, owner: user.name)
        } catch {
            self.sessionNotStoredAtConnect(clientID)
            return
        }
        // A persistent session is stored before CONNACK (and stamped with the time); a clean one
        // removes what was stored (a save replaces all of it). Packets that follow CONNECT wait
        // for the group commit; the other connections do not.
        let write: MQTTSessionWrite? =
            session.mustStore ? .save(session.record) : session.removeStored ? .remove(clientID: clientID) : nil
        guard let write else {
            self.sessionStored(session, connect: connect, assignedClientID: assigned)
            return
        }
        self.stageSessionWrite(write) { [self] error in
            guard error == nil, self.context != nil else {
                self.sessionNotStoredAtConnect(clientID)
                return
            }
            self.sessionStored(session, connect: connect, assignedClientID: assigned)
        }
    }

    /// No CONNACK for a session the store did not take; nothing was attached, so no will.
    private func sessionNotStoredAtConnect(_ clientID: String) {
        if self.server.live[clientID] === self { self.server.live[clientID] = nil }
        (self.clientID, self.record, self.will) = (nil, nil, nil)
        self.run(self.stateMachine.sessionStoreFailedAtConnect())
    }

    /// CONNACK, once the session is stored: the state machine connects, QoS 2 releases owed are
    /// sent again, keep-alive starts and a resumed session's subscriptions attach.
    private func sessionStored(
        _ session: MQTTConnectRules.Session, connect: MQTTConnect, assignedClientID: String?
    ) {
        if session.discardStored, let host = self.virtualHost {
            // A clean session may still have a queue left from an unclean end.
            _ = try? host.deleteQueue(
                MQTTServerState.queueName(clientID: session.record.clientID), ifUnused: false, ifEmpty: false,
                owner: self.connectionID, access: AccessContext.trusted(virtualHost: host.name))
        }
        self.record = session.record
        // Logged in: packets up to mqtt.max_packet_size (announced in CONNACK) from now on.
        self.decoder.maximumPacketSize = self.configuration.maximumPacketSize
        let properties = MQTTConnectRules.connAckProperties(
            for: connect, assignedClientID: assignedClientID, grantedExpiry: session.record.expiryInterval,
            server: .init(
                topicAliasMaximum: self.configuration.topicAliasMaximum,
                maximumPacketSize: self.configuration.maximumPacketSize,
                maximumSessionExpiry: self.configuration.maximumSessionExpiry))
        self.run(
            self.stateMachine.connectAccepted(
                sessionPresent: session.sessionPresent,
                inboundAwaitingRelease: session.record.inboundAwaitingRelease,
                awaitingCompletion: session.record.awaitingCompletion,
                properties: properties
            )
        )
        // The record saved above already holds the restored ids.
        self.savedExactlyOnceRevision = self.stateMachine.exactlyOnceRevision
        for release in self.stateMachine.pendingReleases { self.send(release) }
        self.startKeepAlive()
        if session.sessionPresent { self.restoreSubscriptions() }
    }

    func authenticate(_ connect: MQTTConnect) -> AuthenticatedUser? {
        if self.configuration.useIdentityAsUsername, let context = self.context,
            let name = PeerIdentity.verifiedName(in: context.pipeline)
        {
            return self.authenticator.authenticate(certificateName: name, isLoopback: self.isLoopback)
        }
        guard let username = connect.username else {
            guard !self.configuration.anonymousLoopbackOnly || self.isLoopback else { return nil }
            return self.configuration.anonymousUser
        }
        let password = connect.password.map { String(buffer: $0) } ?? ""
        return self.authenticator.authenticate(username: username, password: password, isLoopback: self.isLoopback)
    }

    /// Keep-alive is checked by the listener's deadline wheel, not by a timer of this connection.
    func startKeepAlive() {
        guard let deadline = self.stateMachine.keepAliveDeadline, let eventLoop = self.context?.eventLoop else {
            return
        }
        self.server.deadlines.schedule(self, in: deadline, on: eventLoop)
    }

    /// Another connection took over this client id: DISCONNECT 0x8E (MQTT 5), the will, close.
    func takenOver() {
        self.closeReason = "session taken over"
        self.detach(clean: false)
        self.run(self.stateMachine.closeRequested(.sessionTakenOver))
    }
}
