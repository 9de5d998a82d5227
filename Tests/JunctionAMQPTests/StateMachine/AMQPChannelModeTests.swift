import JunctionCore
import JunctionModel
import Testing

@testable import JunctionAMQP
@testable import JunctionAMQPCodec

/// The confirm/tx mode rules and what a routed publish gets back, without a channel.
@Suite struct AMQPChannelModeTests {
    let publish = AMQPBasicPublish(exchange: "x", routingKey: "k", mandatory: false, immediate: false)
    let mandatory = AMQPBasicPublish(exchange: "x", routingKey: "k", mandatory: true, immediate: false)

    func opened() -> AMQPChannelStateMachine {
        var machine = AMQPChannelStateMachine(maxMessageSize: 1024)
        _ = machine.frameReceived(.method(1, .channelOpen))
        return machine
    }

    @Test func confirmThenTxIsRefused() throws {
        var machine = self.opened()
        try machine.selectConfirmMode()
        #expect(machine.mode == .confirm)
        #expect(
            throws: AMQPError(.preconditionFailed, "cannot switch from confirm to tx mode", classID: 90, methodID: 10)
        ) {
            try machine.selectTransactionMode()
        }
        #expect(machine.mode == .confirm)
    }

    @Test func txThenConfirmIsRefused() throws {
        var machine = self.opened()
        try machine.selectTransactionMode()
        try machine.selectTransactionMode()  // selecting the same mode again is fine
        #expect(machine.mode == .transactional)
        #expect(
            throws: AMQPError(.preconditionFailed, "cannot switch from tx to confirm mode", classID: 85, methodID: 10)
        ) {
            try machine.selectConfirmMode()
        }
    }

    @Test func commitAndRollbackNeedTxMode() throws {
        var machine = self.opened()
        #expect(throws: AMQPError(.preconditionFailed, "channel is not transactional", classID: 90, methodID: 20)) {
            try machine.requireTransactionMode(methodID: 20)
        }
        try machine.selectConfirmMode()
        #expect(throws: AMQPError.self) { try machine.requireTransactionMode(methodID: 30) }
        var tx = self.opened()
        try tx.selectTransactionMode()
        try tx.requireTransactionMode(methodID: 30)
    }

    @Test func admission() throws {
        var machine = self.opened()
        #expect(machine.admit(self.publish, properties: MessageProperties(), user: "guest") == .route)
        let immediate = AMQPBasicPublish(exchange: "x", routingKey: "k", mandatory: false, immediate: true)
        guard case .refuse(let error) = machine.admit(immediate, properties: MessageProperties(), user: "guest") else {
            Issue.record("immediate accepted")
            return
        }
        #expect(error.code == .notImplemented && error.closesConnection)
        var spoofed = MessageProperties()
        spoofed.userID = "admin"
        guard case .refuse(let soft) = machine.admit(self.publish, properties: spoofed, user: "guest") else {
            Issue.record("spoofed user_id accepted")
            return
        }
        #expect(soft.code == .preconditionFailed && !soft.closesConnection)
        spoofed.userID = "guest"
        #expect(machine.admit(self.publish, properties: spoofed, user: "guest") == .route)
        try machine.selectTransactionMode()
        #expect(machine.admit(self.publish, properties: MessageProperties(), user: "guest") == .holdForCommit)
    }

    @Test func mandatoryReturnsOnlyUnroutable() {
        let machine = self.opened()
        #expect(
            machine.routed(.unroutable, mandatory: true, storeFailed: false, pendingTicket: nil)
                == AMQPPublishReply(returnUnroutable: true, confirm: .none))
        #expect(
            machine.routed(.unroutable, mandatory: false, storeFailed: false, pendingTicket: nil)
                == AMQPPublishReply(returnUnroutable: false, confirm: .none))
        // Refused by every queue (reject-publish) is not "unroutable": no basic.return.
        #expect(
            machine.routed(.routed(queueCount: 0), mandatory: true, storeFailed: false, pendingTicket: nil)
                == AMQPPublishReply(returnUnroutable: false, confirm: .none))
    }

    @Test func confirmDecisions() throws {
        var machine = self.opened()
        try machine.selectConfirmMode()
        #expect(
            machine.routed(.routed(queueCount: 2), mandatory: false, storeFailed: false, pendingTicket: nil).confirm
                == .ack)
        #expect(
            machine.routed(.routed(queueCount: 1), mandatory: false, storeFailed: false, pendingTicket: 7).confirm
                == .ackWhenDurable(ticket: 7))
        #expect(
            machine.routed(.routed(queueCount: 0), mandatory: false, storeFailed: false, pendingTicket: nil).confirm
                == .nack)
        #expect(
            machine.routed(.routed(queueCount: 1), mandatory: false, storeFailed: true, pendingTicket: 7).confirm
                == .nack)
        #expect(
            machine.routed(.unroutable, mandatory: true, storeFailed: false, pendingTicket: nil)
                == AMQPPublishReply(returnUnroutable: true, confirm: .ack))
    }
}
