import JunctionCore
import JunctionCoreTestSupport
import JunctionModel
import JunctionTestSupport
import NIOCore
import Testing

@testable import JunctionAMQP
@testable import JunctionAMQPCodec

@Suite struct AMQPConnectionStateMachineTests {
    let clock = ManualClock()

    func makeMachine(heartbeat: UInt16 = 60) -> AMQPConnectionStateMachine<ManualClock> {
        AMQPConnectionStateMachine(
            limits: .init(channelMax: 2047, frameMax: 131_072, heartbeatSeconds: heartbeat),
            clock: self.clock
        )
    }

    static let plainGuest: [UInt8] = [0] + Array("guest".utf8) + [0] + Array("guest".utf8)

    func startOk(mechanism: String = "PLAIN", response: [UInt8] = Self.plainGuest) -> AMQPFrame {
        .method(
            0,
            .connectionStartOk(
                AMQPConnectionStartOk(clientProperties: [:], mechanism: mechanism, response: response, locale: "en_US")
            )
        )
    }

    /// Drives a machine to the open state with the given tune-ok.
    func open(_ machine: inout AMQPConnectionStateMachine<ManualClock>, heartbeat: UInt16 = 60) {
        #expect(machine.protocolHeaderReceived(valid: true) == .sendStart)
        #expect(
            machine.frameReceived(self.startOk())
                == .authenticate(username: "guest", password: "guest", clientProperties: [:]))
        #expect(machine.authenticationSucceeded() == .sendTune(channelMax: 2047, frameMax: 131_072, heartbeat: 60))
        let tuneOk = AMQPConnectionTuneOk(channelMax: 2047, frameMax: 131_072, heartbeat: heartbeat)
        #expect(
            machine.frameReceived(.method(0, .connectionTuneOk(tuneOk)))
                == .applyTuning(AMQPTuning(channelMax: 2047, frameMax: 131_072, heartbeatSeconds: heartbeat))
        )
        #expect(
            machine.frameReceived(.method(0, .connectionOpen(AMQPConnectionOpen(virtualHost: "/"))))
                == .openVirtualHost("/"))
        #expect(machine.virtualHostOpened() == .sendOpenOk)
        #expect(machine.isOpen)
    }

    @Test func handshakeReachesOpen() {
        var machine = self.makeMachine()
        self.open(&machine)
    }

    @Test func updateSecretIsCheckedLikeALogin() {
        var machine = self.makeMachine()
        self.open(&machine)
        let update = AMQPConnectionUpdateSecret(newSecret: Array("token-2".utf8), reason: "refresh")
        #expect(
            machine.frameReceived(.method(0, .connectionUpdateSecret(update))) == .checkSecret(Array("token-2".utf8)))
        #expect(machine.secretChecked(accepted: true) == .sendUpdateSecretOk)
        #expect(machine.isOpen)
        #expect(
            machine.frameReceived(.method(0, .connectionUpdateSecret(update))) == .checkSecret(Array("token-2".utf8)))
        #expect(
            machine.secretChecked(accepted: false)
                == .sendClose(
                    AMQPError(.notAllowed, "New secret was refused by one of the backends", classID: 10, methodID: 70)))
        #expect(!machine.isOpen)
    }

    @Test func wrongProtocolHeaderIsAnsweredWithOursAndClosed() {
        var machine = self.makeMachine()
        #expect(machine.protocolHeaderReceived(valid: false) == .rejectProtocolHeader)
        #expect(machine.frameReceived(self.startOk()) == .none)
    }

    @Test func amqplainCredentialsAreParsed() {
        var machine = self.makeMachine()
        _ = machine.protocolHeaderReceived(valid: true)
        // LOGIN S "bob", PASSWORD S "pw" as a field table body without its length.
        var response: [UInt8] = [5] + Array("LOGIN".utf8) + [UInt8(ascii: "S"), 0, 0, 0, 3] + Array("bob".utf8)
        response += [8] + Array("PASSWORD".utf8) + [UInt8(ascii: "S"), 0, 0, 0, 2] + Array("pw".utf8)
        #expect(
            machine.frameReceived(self.startOk(mechanism: "AMQPLAIN", response: response))
                == .authenticate(username: "bob", password: "pw", clientProperties: [:])
        )
    }

    @Test func unknownMechanismClosesWithAccessRefused() {
        var machine = self.makeMachine()
        _ = machine.protocolHeaderReceived(valid: true)
        guard
            case .sendClose(let error) = machine.frameReceived(self.startOk(mechanism: "SCRAM-SHA-256", response: []))
        else {
            Issue.record("expected close")
            return
        }
        #expect(error.code == .accessRefused)
    }

    @Test func externalAsksForTheCertificateLogin() {
        var machine = self.makeMachine()
        _ = machine.protocolHeaderReceived(valid: true)
        #expect(
            machine.frameReceived(self.startOk(mechanism: "EXTERNAL", response: []))
                == .authenticateByCertificate(clientProperties: [:]))
        guard case .sendClose(let error) = machine.authenticationFailed(username: "x", mechanism: "EXTERNAL") else {
            Issue.record("expected close")
            return
        }
        #expect(error.code == .accessRefused)
        #expect(error.text.contains("mechanism EXTERNAL"))
    }

    @Test func failedLoginClosesWith403() {
        var machine = self.makeMachine()
        _ = machine.protocolHeaderReceived(valid: true)
        _ = machine.frameReceived(self.startOk())
        guard case .sendClose(let error) = machine.authenticationFailed(username: "guest") else {
            Issue.record("expected close")
            return
        }
        #expect(error.code == .accessRefused)
        #expect(error.text.hasPrefix("ACCESS_REFUSED"))
        #expect(machine.frameReceived(.method(0, .connectionCloseOk)) == .closeSocket(reason: "close-ok received"))
    }

    @Test func frameMaxBelowMinimumIsRefused() {
        var machine = self.makeMachine()
        _ = machine.protocolHeaderReceived(valid: true)
        _ = machine.frameReceived(self.startOk())
        _ = machine.authenticationSucceeded()
        let tuneOk = AMQPConnectionTuneOk(channelMax: 0, frameMax: 1024, heartbeat: 0)
        guard case .sendClose(let error) = machine.frameReceived(.method(0, .connectionTuneOk(tuneOk))) else {
            Issue.record("expected close")
            return
        }
        #expect(error.code == .syntaxError)
    }

    @Test func zeroChannelMaxAndFrameMaxMeanOurLimits() {
        var machine = self.makeMachine()
        _ = machine.protocolHeaderReceived(valid: true)
        _ = machine.frameReceived(self.startOk())
        _ = machine.authenticationSucceeded()
        let tuneOk = AMQPConnectionTuneOk(channelMax: 0, frameMax: 0, heartbeat: 0)
        #expect(
            machine.frameReceived(.method(0, .connectionTuneOk(tuneOk)))
                == .applyTuning(AMQPTuning(channelMax: 2047, frameMax: 131_072, heartbeatSeconds: 0))
        )
    }

    @Test func methodOutOfOrderDuringHandshakeIsCommandInvalid() {
        var machine = self.makeMachine()
        _ = machine.protocolHeaderReceived(valid: true)
        guard case .sendClose(let error) = machine.frameReceived(.method(0, .connectionOpen(.init(virtualHost: "/"))))
        else {
            Issue.record("expected close")
            return
        }
        #expect(error.code == .commandInvalid)
    }

    @Test func channelFramesAreForwardedOnlyWhenOpen() {
        var machine = self.makeMachine()
        self.open(&machine)
        let frame = AMQPFrame.method(1, .channelOpen)
        #expect(machine.frameReceived(frame) == .forwardToChannel)
    }

    /// RabbitMQ closes the connection with 530 NOT_ALLOWED for a channel beyond the negotiated channel_max.
    @Test func channelAboveChannelMaxIsNotAllowed() {
        var machine = self.makeMachine()
        self.open(&machine)
        guard case .sendClose(let error) = machine.frameReceived(.method(3000, .channelOpen)) else {
            Issue.record("expected close")
            return
        }
        #expect(error.code == .notAllowed)
        #expect(error.text.contains("channel_max"))
    }

    @Test func contentOnChannelZeroIsCommandInvalid() {
        var machine = self.makeMachine()
        self.open(&machine)
        guard case .sendClose(let error) = machine.frameReceived(.body(0, .init())) else {
            Issue.record("expected close")
            return
        }
        #expect(error.code == .commandInvalid)
    }

    @Test func clientCloseIsAnsweredWithCloseOk() {
        var machine = self.makeMachine()
        self.open(&machine)
        let close = AMQPConnectionClose(replyCode: 200, replyText: "bye", classID: 0, methodID: 0)
        #expect(machine.frameReceived(.method(0, .connectionClose(close))) == .sendCloseOkAndClose)
        #expect(machine.frameReceived(.method(1, .channelOpen)) == .none)
    }

    @Test func framesAfterOurCloseAreDiscardedUntilCloseOk() {
        var machine = self.makeMachine()
        self.open(&machine)
        guard case .sendClose = machine.fail(AMQPError(.frameError, "test")) else {
            Issue.record("expected close")
            return
        }
        #expect(machine.frameReceived(.method(1, .channelOpen)) == .none)
        #expect(machine.frameReceived(.method(0, .connectionCloseOk)) == .closeSocket(reason: "close-ok received"))
    }

    @Test func missedHeartbeatsCloseTheConnection() {
        var machine = self.makeMachine()
        self.open(&machine, heartbeat: 10)
        self.clock.advance(by: .seconds(5))
        #expect(machine.heartbeatTimerFired() == .sendHeartbeat)
        machine.outputSent()
        self.clock.advance(by: .seconds(5))
        machine.inputReceived()
        _ = machine.frameReceived(.heartbeat(0))
        self.clock.advance(by: .seconds(5))
        #expect(machine.heartbeatTimerFired() == .sendHeartbeat)
        self.clock.advance(by: .seconds(16))
        guard case .closeSocket(let reason) = machine.heartbeatTimerFired() else {
            Issue.record("expected the connection to close")
            return
        }
        #expect(reason.contains("missed heartbeats"))
    }

    @Test func heartbeatZeroDisablesTheTimer() {
        var machine = self.makeMachine()
        self.open(&machine, heartbeat: 0)
        self.clock.advance(by: .seconds(3600))
        #expect(machine.heartbeatTimerFired() == .none)
    }

    @Test func handshakeTimeoutClosesOnlyBeforeOpen() {
        var early = self.makeMachine()
        _ = early.protocolHeaderReceived(valid: true)
        #expect(early.handshakeTimerFired() == .closeSocket(reason: "handshake timeout"))
        var opened = self.makeMachine()
        self.open(&opened)
        #expect(opened.handshakeTimerFired() == .none)
    }

    @Test func shutdownSendsConnectionForced() {
        var machine = self.makeMachine()
        self.open(&machine)
        guard case .sendClose(let error) = machine.shutdownRequested() else {
            Issue.record("expected close")
            return
        }
        #expect(error.code == .connectionForced)
        #expect(error.code.rawValue == 320)
    }
}
