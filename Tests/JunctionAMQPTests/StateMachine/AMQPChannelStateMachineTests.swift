import JunctionCore
import JunctionCoreTestSupport
import JunctionModel
import NIOCore
import Testing

@testable import JunctionAMQP
@testable import JunctionAMQPCodec

@Suite struct AMQPChannelStateMachineTests {
    let publish = AMQPBasicPublish(exchange: "x", routingKey: "k", mandatory: false, immediate: false)

    func header(size: UInt64) -> AMQPContentHeader {
        AMQPContentHeader(
            classID: 60, weight: 0, bodySize: size, properties: MessageProperties(contentType: "text/plain"))
    }

    func opened() -> AMQPChannelStateMachine {
        var machine = AMQPChannelStateMachine(maxMessageSize: 1024)
        #expect(machine.frameReceived(.method(1, .channelOpen)) == .sendOpenOk)
        return machine
    }

    @Test func methodBeforeOpenIsChannelError() {
        var machine = AMQPChannelStateMachine(maxMessageSize: 1024)
        guard
            case .closeConnection(let error) = machine.frameReceived(
                .method(1, .basicQos(.init(prefetchSize: 0, prefetchCount: 1, global: false))))
        else {
            Issue.record("expected a connection error")
            return
        }
        #expect(error.code == .channelError)
    }

    @Test func secondOpenIsChannelError() {
        var machine = self.opened()
        guard case .closeConnection(let error) = machine.frameReceived(.method(1, .channelOpen)) else {
            Issue.record("expected a connection error")
            return
        }
        #expect(error.code == .channelError)
    }

    @Test func publishWithOneBodyFrameYieldsTheSameSlice() {
        var machine = self.opened()
        #expect(machine.frameReceived(.method(1, .basicPublish(self.publish))) == .none)
        #expect(machine.frameReceived(.header(1, self.header(size: 5))) == .none)
        let body = ByteBuffer(string: "hello")
        #expect(machine.frameReceived(.body(1, body)) == .publish(self.publish, self.header(size: 5), body))
    }

    @Test func publishAcrossSeveralBodyFramesIsAssembled() {
        var machine = self.opened()
        _ = machine.frameReceived(.method(1, .basicPublish(self.publish)))
        _ = machine.frameReceived(.header(1, self.header(size: 10)))
        #expect(machine.frameReceived(.body(1, ByteBuffer(string: "hello"))) == .none)
        #expect(machine.frameReceived(.body(1, ByteBuffer(string: "wor"))) == .none)
        #expect(
            machine.frameReceived(.body(1, ByteBuffer(string: "ld")))
                == .publish(self.publish, self.header(size: 10), ByteBuffer(string: "helloworld"))
        )
    }

    @Test func emptyBodyPublishesOnTheHeader() {
        var machine = self.opened()
        _ = machine.frameReceived(.method(1, .basicPublish(self.publish)))
        #expect(
            machine.frameReceived(.header(1, self.header(size: 0)))
                == .publish(self.publish, self.header(size: 0), ByteBuffer()))
    }

    @Test func headerWithoutPublishIsUnexpectedFrame() {
        var machine = self.opened()
        guard case .closeConnection(let error) = machine.frameReceived(.header(1, self.header(size: 1))) else {
            Issue.record("expected a connection error")
            return
        }
        #expect(error.code == .unexpectedFrame)
        #expect(error.code.rawValue == 505)
    }

    @Test func methodInsteadOfHeaderIsUnexpectedFrame() {
        var machine = self.opened()
        _ = machine.frameReceived(.method(1, .basicPublish(self.publish)))
        guard case .closeConnection(let error) = machine.frameReceived(.method(1, .txSelect)) else {
            Issue.record("expected a connection error")
            return
        }
        #expect(error.code == .unexpectedFrame)
    }

    @Test func bodyLongerThanDeclaredIsFrameError() {
        var machine = self.opened()
        _ = machine.frameReceived(.method(1, .basicPublish(self.publish)))
        _ = machine.frameReceived(.header(1, self.header(size: 2)))
        guard case .closeConnection(let error) = machine.frameReceived(.body(1, ByteBuffer(string: "abc"))) else {
            Issue.record("expected a connection error")
            return
        }
        #expect(error.code == .frameError)
    }

    @Test func messageOverTheLimitIsRefusedFromTheHeader() {
        var machine = self.opened()
        _ = machine.frameReceived(.method(1, .basicPublish(self.publish)))
        guard case .closeConnection(let error) = machine.frameReceived(.header(1, self.header(size: 4096))) else {
            Issue.record("expected a connection error")
            return
        }
        #expect(error.code == .frameError)
    }

    @Test func softErrorWaitsForCloseOkAndDiscardsTheRest() {
        var machine = self.opened()
        guard case .sendClose = machine.fail(AMQPError(.notFound, "no queue 'q'")) else {
            Issue.record("expected channel.close")
            return
        }
        #expect(machine.frameReceived(.method(1, .basicPublish(self.publish))) == .none)
        #expect(machine.frameReceived(.header(1, self.header(size: 1))) == .none)
        #expect(machine.frameReceived(.method(1, .channelCloseOk)) == .released)
        #expect(machine.isClosed)
        #expect(machine.frameReceived(.method(1, .channelOpen)) == .sendOpenOk)
    }

    @Test func peerCloseIsAnsweredAndTheChannelCanBeReopened() {
        var machine = self.opened()
        let close = AMQPChannelClose(replyCode: 200, replyText: "", classID: 0, methodID: 0)
        #expect(machine.frameReceived(.method(1, .channelClose(close))) == .sendCloseOk)
        #expect(machine.frameReceived(.method(1, .channelOpen)) == .sendOpenOk)
    }

    @Test func otherMethodsAreExecuted() {
        var machine = self.opened()
        #expect(machine.frameReceived(.method(1, .txSelect)) == .execute(.txSelect))
    }
}
