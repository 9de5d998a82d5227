import JunctionCore
import NIOCore
import Testing

@testable import JunctionAMQP
@testable import JunctionAMQPCodec

/// A body's memory follows the bytes received, not the size its content header declares.
@Suite struct AMQPBodyAssemblyTests {
    func bytes(_ count: Int, _ value: UInt8 = 0x61) -> ByteBuffer {
        ByteBuffer(repeating: value, count: count)
    }

    @Test func aHugeDeclaredBodyReservesOnlyWhatArrived() {
        var assembly = AMQPBodyAssembly(declaredSize: 128 * 1024 * 1024)
        guard case .incomplete = assembly.append(self.bytes(1000)) else {
            Issue.record("expected more frames")
            return
        }
        #expect(assembly.reservedBytes >= 1000)
        // Twice what arrived, rounded up to a power of two by the allocator.
        #expect(assembly.reservedBytes <= 4000)
        #expect(assembly.remaining == 128 * 1024 * 1024 - 1000)
    }

    @Test func growthDoublesAndStopsAtTheDeclaredSize() {
        let declared = 1_000_000
        var assembly = AMQPBodyAssembly(declaredSize: UInt64(declared))
        var sent = 0
        var expected = ByteBuffer()
        var frame: UInt8 = 0
        while true {
            let size = min(131_064, declared - sent)
            let chunk = self.bytes(size, frame)
            expected.writeImmutableBuffer(chunk)
            sent += size
            frame &+= 1
            switch assembly.append(chunk) {
            case .incomplete:
                #expect(assembly.reservedBytes <= min(1 << 20, 4 * sent))
                #expect(assembly.reservedBytes >= sent)
            case .complete(let body):
                #expect(sent == declared)
                #expect(body == expected)
                // The declared size, rounded up to a power of two by the allocator.
                #expect(body.capacity == 1 << 20)
                return
            case .overrun:
                Issue.record("overrun")
                return
            }
        }
    }

    @Test func oneFrameBodyIsTheFrameItself() {
        var assembly = AMQPBodyAssembly(declaredSize: 5)
        let frame = ByteBuffer(string: "hello")
        guard case .complete(let body) = assembly.append(frame) else {
            Issue.record("expected the body")
            return
        }
        #expect(body == frame)
        #expect(assembly.reservedBytes == 0)
    }

    @Test func moreBytesThanDeclaredIsOverrun() {
        var assembly = AMQPBodyAssembly(declaredSize: 10)
        guard case .incomplete = assembly.append(self.bytes(6)) else {
            Issue.record("expected more frames")
            return
        }
        guard case .overrun = assembly.append(self.bytes(6)) else {
            Issue.record("expected an overrun")
            return
        }
    }

    /// The channel state machine holds one assembly per body in flight: its reservation is the bytes received.
    @Test func channelReservesWhatArrivedNotWhatWasDeclared() {
        var machine = AMQPChannelStateMachine(maxMessageSize: 128 * 1024 * 1024)
        #expect(machine.frameReceived(.method(1, .channelOpen)) == .sendOpenOk)
        let publish = AMQPBasicPublish(exchange: "", routingKey: "q", mandatory: false, immediate: false)
        #expect(machine.frameReceived(.method(1, .basicPublish(publish))) == .none)
        #expect(machine.frameReceived(.header(1, AMQPContentHeader(bodySize: 128 * 1024 * 1024))) == .none)
        #expect(machine.bodyBytesReserved == 0)
        #expect(machine.frameReceived(.body(1, self.bytes(100))) == .none)
        #expect(machine.bodyBytesReserved <= 400)
    }
}
