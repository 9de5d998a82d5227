import JunctionSTOMP
import JunctionSTOMPCodec
import JunctionTestSupport
import NIOCore
import Testing

@Suite("STOMP session state machine")
struct STOMPSessionStateMachineTests {
    typealias Machine = STOMPSessionStateMachine<ManualClock>

    func connected(
        _ version: String = "1.2",
        heartbeat: String? = nil,
        clock: ManualClock = ManualClock()
    ) -> Machine {
        var machine = Machine(clock: clock, heartbeatOffer: .init(sendEvery: .seconds(1), expectEvery: .seconds(1)))
        var headers: STOMPHeaders = ["accept-version": version]
        if let heartbeat { headers.append("heart-beat", heartbeat) }
        _ = machine.frameReceived(STOMPFrame(.connect, headers: headers))
        _ = machine.connectSucceeded(session: "s", server: "test")
        return machine
    }

    @Test(arguments: [
        ("1.0,1.1,1.2", STOMPVersion.v1_2), ("1.1", .v1_1), ("1.0,1.1", .v1_1), ("1.2,2.0", .v1_2),
    ])
    func versionNegotiation(offered: String, expected: STOMPVersion) {
        var machine = Machine(clock: ManualClock())
        guard
            case .connect(let request) = machine.frameReceived(
                STOMPFrame(.connect, headers: ["accept-version": offered]))
        else {
            Issue.record("no connect")
            return
        }
        #expect(request.version == expected)
    }

    @Test func noAcceptVersionMeans10() {
        var machine = Machine(clock: ManualClock())
        guard
            case .connect(let request) = machine.frameReceived(
                STOMPFrame(.connect, headers: ["login": "u", "host": "h"]))
        else {
            Issue.record("no connect")
            return
        }
        #expect(request.version == .v1_0)
        #expect(request.login == "u")
        #expect(request.host == "h")
        let connected = machine.connectSucceeded(session: "s1", server: "junction")
        #expect(
            connected == STOMPFrame(.connected, headers: ["version": "1.0", "session": "s1", "server": "junction"]))
    }

    @Test func unsupportedVersionFails() {
        var machine = Machine(clock: ManualClock())
        guard case .fail(let error) = machine.frameReceived(STOMPFrame(.connect, headers: ["accept-version": "2.0"]))
        else {
            Issue.record("expected failure")
            return
        }
        #expect(error.message == "Protocol version mismatch")
        #expect(machine.frameReceived(STOMPFrame(.connect)) == .none)
    }

    @Test func heartbeatNegotiationTakesTheSlowerSide() {
        var machine = Machine(
            clock: ManualClock(), heartbeatOffer: .init(sendEvery: .seconds(1), expectEvery: .seconds(2)))
        let action = machine.frameReceived(
            STOMPFrame(.connect, headers: ["accept-version": "1.2", "heart-beat": "500,5000"]))
        guard case .connect(let request) = action else {
            Issue.record("no connect")
            return
        }
        #expect(request.sendEvery == .seconds(5))
        #expect(request.expectEvery == .seconds(2))
        #expect(machine.connectSucceeded(session: "s", server: "x")?.headers["heart-beat"] == "5000,2000")
        #expect(machine.heartbeatTimerInterval == .seconds(1))
    }

    @Test func zeroHeartbeatDisablesThatDirection() {
        var machine = Machine(clock: ManualClock())
        guard
            case .connect(let request) = machine.frameReceived(
                STOMPFrame(.connect, headers: ["accept-version": "1.1", "heart-beat": "0,0"]))
        else {
            Issue.record("no connect")
            return
        }
        #expect(request.sendEvery == nil && request.expectEvery == nil)
    }

    @Test func badHeartbeatFails() {
        var machine = Machine(clock: ManualClock())
        guard
            case .fail = machine.frameReceived(
                STOMPFrame(.connect, headers: ["accept-version": "1.2", "heart-beat": "x"]))
        else {
            Issue.record("expected failure")
            return
        }
    }

    @Test func heartbeatsAreSentAndEnforced() {
        let clock = ManualClock()
        var machine = self.connected(heartbeat: "1000,1000", clock: clock)
        #expect(machine.heartbeatTimerFired() == .none)
        clock.advance(by: .milliseconds(1000))
        #expect(machine.heartbeatTimerFired() == .sendHeartbeat)
        machine.outputSent()
        machine.inputReceived()
        clock.advance(by: .milliseconds(1500))
        #expect(machine.heartbeatTimerFired() == .sendHeartbeat)
        machine.outputSent()
        clock.advance(by: .milliseconds(600))
        guard case .fail(let error) = machine.heartbeatTimerFired() else {
            Issue.record("expected timeout")
            return
        }
        #expect(error.message == "Heart-beat timeout")
        #expect(machine.heartbeatTimerFired() == .none)
    }

    @Test func framesBeforeConnectFail() {
        var machine = Machine(clock: ManualClock())
        guard case .fail(let error) = machine.frameReceived(STOMPFrame(.send, headers: ["destination": "/queue/a"]))
        else {
            Issue.record("expected failure")
            return
        }
        #expect(error.message == "Illegal command")
    }

    @Test func secondConnectFails() {
        var machine = self.connected()
        guard case .fail = machine.frameReceived(STOMPFrame(.connect)) else {
            Issue.record("expected failure")
            return
        }
    }

    @Test func sendNeedsDestinationAndCarriesReceipt() {
        var machine = self.connected()
        let frame = STOMPFrame(.send, headers: ["destination": "/queue/a", "receipt": "r1"])
        #expect(
            machine.frameReceived(frame)
                == .send(STOMPSendRequest(destination: "/queue/a", frame: frame), receipt: "r1"))
        guard case .fail(let error) = machine.frameReceived(STOMPFrame(.send, headers: ["receipt": "r2"])) else {
            Issue.record("expected failure")
            return
        }
        #expect(error.message == "Missing destination")
        #expect(error.receiptID == "r2")
    }

    @Test func subscribeAndUnsubscribe() {
        var machine = self.connected()
        let action = machine.frameReceived(
            STOMPFrame(
                .subscribe,
                headers: [
                    "destination": "/topic/a", "id": "1", "ack": "client", "prefetch-count": "5", "durable": "true",
                ])
        )
        guard case .subscribe(let request, nil) = action else {
            Issue.record("no subscribe")
            return
        }
        #expect(request.ackMode == .client && request.prefetch == 5 && request.durable)
        var copy = machine
        guard
            case .fail(let duplicate) = copy.frameReceived(
                STOMPFrame(.subscribe, headers: ["destination": "/topic/a", "id": "1"])
            )
        else {
            Issue.record("expected duplicate failure")
            return
        }
        #expect(duplicate.message == "Duplicated subscription identifier")
        #expect(
            machine.frameReceived(STOMPFrame(.unsubscribe, headers: ["id": "1", "durable": "true"]))
                == .unsubscribe(id: "1", durable: true, receipt: nil))
        guard case .fail(let unknown) = machine.frameReceived(STOMPFrame(.unsubscribe, headers: ["id": "1"])) else {
            Issue.record("expected unknown subscription")
            return
        }
        #expect(unknown.message == "Unknown subscription")
    }

    @Test func subscribeValidation() {
        for headers: STOMPHeaders in [
            ["id": "1"], ["destination": "/queue/a"], ["destination": "/queue/a", "id": "1", "ack": "sometimes"],
            ["destination": "/queue/a", "id": "1", "prefetch-count": "-1"],
        ] {
            var machine = self.connected()
            guard case .fail = machine.frameReceived(STOMPFrame(.subscribe, headers: headers)) else {
                Issue.record("expected failure for \(headers)")
                return
            }
        }
    }

    @Test func subscribeWithoutIdIn10UsesDestination() {
        var machine = self.connected("1.0")
        guard
            case .subscribe(let request, _) = machine.frameReceived(
                STOMPFrame(.subscribe, headers: ["destination": "/queue/a"]))
        else {
            Issue.record("no subscribe")
            return
        }
        #expect(request.id == "/queue/a")
        #expect(
            machine.frameReceived(STOMPFrame(.unsubscribe, headers: ["destination": "/queue/a"]))
                == .unsubscribe(id: "/queue/a", durable: false, receipt: nil))
    }

    @Test func ackFindsSubscriptionFromId() {
        var machine = self.connected()
        _ = machine.frameReceived(
            STOMPFrame(.subscribe, headers: ["destination": "/queue/a", "id": "s@@x", "ack": "client-individual"]))
        #expect(
            machine.frameReceived(STOMPFrame(.nack, headers: ["id": "s@@x@@7", "requeue": "false"]))
                == .settle(
                    STOMPSettleRequest(
                        ackID: "s@@x@@7", ackMode: .clientIndividual, subscriptionID: "s@@x", accept: false,
                        requeue: false), receipt: nil)
        )
        guard case .fail(let error) = machine.frameReceived(STOMPFrame(.ack, headers: ["id": "other@@1"])) else {
            Issue.record("expected failure")
            return
        }
        #expect(error.message == "Unknown subscription")
    }

    @Test func ackOnAutoSubscriptionFails() {
        var machine = self.connected("1.1")
        _ = machine.frameReceived(STOMPFrame(.subscribe, headers: ["destination": "/queue/a", "id": "s"]))
        guard
            case .fail = machine.frameReceived(STOMPFrame(.ack, headers: ["message-id": "s@@1", "subscription": "s"]))
        else {
            Issue.record("expected failure")
            return
        }
    }

    @Test func transactionsBufferUntilCommit() {
        var machine = self.connected()
        _ = machine.frameReceived(
            STOMPFrame(.subscribe, headers: ["destination": "/queue/a", "id": "s", "ack": "client"]))
        #expect(
            machine.frameReceived(STOMPFrame(.begin, headers: ["transaction": "t", "receipt": "b"])) == .receipt("b"))
        let send = STOMPFrame(.send, headers: ["destination": "/queue/a", "transaction": "t"])
        #expect(machine.frameReceived(send) == .none)
        #expect(machine.frameReceived(STOMPFrame(.ack, headers: ["id": "s@@1", "transaction": "t"])) == .none)
        #expect(
            machine.frameReceived(STOMPFrame(.commit, headers: ["transaction": "t", "receipt": "c"]))
                == .commit(
                    [
                        .send(STOMPSendRequest(destination: "/queue/a", frame: send)),
                        .settle(
                            STOMPSettleRequest(
                                ackID: "s@@1", ackMode: .client, subscriptionID: "s", accept: true, requeue: true)),
                    ],
                    receipt: "c"
                )
        )
        guard case .fail(let error) = machine.frameReceived(STOMPFrame(.commit, headers: ["transaction": "t"])) else {
            Issue.record("expected failure")
            return
        }
        #expect(error.message == "Invalid transaction")
    }

    @Test func aTransactionPastItsByteLimitFailsAndIsDropped() {
        var machine = Machine(clock: ManualClock(), maxTransactionBytes: 10)
        _ = machine.frameReceived(STOMPFrame(.connect, headers: ["accept-version": "1.2"]))
        _ = machine.connectSucceeded(session: "s", server: "test")
        _ = machine.frameReceived(STOMPFrame(.begin, headers: ["transaction": "t"]))
        let six = STOMPFrame(
            .send, headers: ["destination": "/queue/a", "transaction": "t"], body: ByteBuffer(string: "123456"))
        #expect(machine.frameReceived(six) == .none)
        guard case .fail(let error) = machine.frameReceived(six) else {
            Issue.record("a second 6-byte body must pass the 10-byte limit")
            return
        }
        #expect(error.message == "Transaction too large")
    }

    @Test func abortDiscards() {
        var machine = self.connected()
        _ = machine.frameReceived(STOMPFrame(.begin, headers: ["transaction": "t"]))
        _ = machine.frameReceived(STOMPFrame(.send, headers: ["destination": "/queue/a", "transaction": "t"]))
        #expect(machine.frameReceived(STOMPFrame(.abort, headers: ["transaction": "t"])) == .none)
        guard
            case .fail = machine.frameReceived(
                STOMPFrame(.send, headers: ["destination": "/queue/a", "transaction": "t"]))
        else {
            Issue.record("expected failure")
            return
        }
    }

    @Test func disconnectClosesTheSession() {
        var machine = self.connected()
        #expect(
            machine.frameReceived(STOMPFrame(.disconnect, headers: ["receipt": "bye"])) == .disconnect(receipt: "bye"))
        #expect(machine.frameReceived(STOMPFrame(.send, headers: ["destination": "/queue/a"])) == .none)
        #expect(!machine.isConnected)
    }

    @Test func serverFramesFromClientFail() {
        for command in [STOMPCommand.message, .receipt, .error, .connected] {
            var machine = self.connected()
            guard case .fail = machine.frameReceived(STOMPFrame(command)) else {
                Issue.record("\(command)")
                return
            }
        }
    }
}
