import JunctionCore
import JunctionModel

/// What the connection state machine asks the handler to do.
enum AMQPConnectionAction: Equatable {
    /// Send connection.start (after a valid protocol header).
    case sendStart
    /// Reply with the protocol header we speak, then close the socket (spec 4.2.2).
    case rejectProtocolHeader
    /// Check these credentials and report back with `authenticationSucceeded` / `authenticationFailed`.
    case authenticate(username: String, password: String, clientProperties: FieldTable)
    /// The client chose EXTERNAL: log in the user its verified TLS client certificate names, if any,
    /// and report back as for `authenticate`.
    case authenticateByCertificate(clientProperties: FieldTable)
    /// connection.update-secret: check `secret` as a password of the logged-in user, then report
    /// back with `secretChecked(accepted:)`.
    case checkSecret([UInt8])
    case sendUpdateSecretOk
    case sendTune(channelMax: UInt16, frameMax: UInt32, heartbeat: UInt16)
    /// The peer accepted these limits: apply them to the framer and the heartbeat timer.
    case applyTuning(AMQPTuning)
    /// Check that the vhost exists and the user may use it, then `virtualHostOpened` / `virtualHostRefused`.
    case openVirtualHost(String)
    case sendOpenOk
    /// The frame is for a channel: hand it to that channel. (The handler still holds the frame; not
    /// carrying it here saves copying the frame enum on the hot path.)
    case forwardToChannel
    case sendHeartbeat
    /// Send connection.close with this error and wait for close-ok (all channels are torn down now).
    case sendClose(AMQPError)
    /// Reply close-ok to the peer's connection.close and close the socket.
    case sendCloseOkAndClose
    /// Close the socket now, without a word (spec: after close-ok, or on a dead peer).
    case closeSocket(reason: String)
    case none
}

/// The limits both sides agreed on in tune/tune-ok.
struct AMQPTuning: Equatable, Sendable {
    var channelMax: UInt16
    var frameMax: UInt32
    var heartbeatSeconds: UInt16
}
