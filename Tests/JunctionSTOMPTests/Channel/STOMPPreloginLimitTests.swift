import JunctionCore
import JunctionCoreTestSupport
import Logging
import NIOCore
import Testing

@testable import JunctionSTOMP
@testable import JunctionSTOMPCodec

/// `limits.max_prelogin_frame_bytes`: until CONNECTED a frame's header section and body are capped at
/// the pre-login limit; after it, the STOMP limits apply.
@Suite("STOMP pre-login frame limit")
struct STOMPPreloginLimitTests {
    let broker = Broker(logger: Logger(label: "test"))

    var configuration: STOMPAdapterConfiguration {
        var configuration = STOMPAdapterConfiguration()
        configuration.maxPreloginFrameBytes = 4096
        return configuration
    }

    @Test func limitsBeforeLoginAreCapped() {
        let limits = STOMPFrameLimits(maxHeaderSectionSize: 65536, maxHeaders: 10, maxBodySize: 1 << 20)
        #expect(
            limits.beforeLogin(maxFrameBytes: 4096)
                == STOMPFrameLimits(maxHeaderSectionSize: 4096, maxHeaders: 10, maxBodySize: 4096))
        #expect(limits.beforeLogin(maxFrameBytes: 1 << 30) == limits)
    }

    @Test func oversizeFrameBeforeConnectIsAnErrorThenClose() throws {
        let peer = try STOMPTestPeer(broker: self.broker, configuration: self.configuration)
        // Announced by content-length: refused before the body is buffered.
        try peer.sendRaw("CONNECT\naccept-version:1.2\ncontent-length:5000\n\n")
        let reply = try peer.frames()
        #expect(reply.first?.command == .error)
        #expect(!peer.isActive)
    }

    @Test func oversizeHeaderSectionBeforeConnectIsRefused() throws {
        let peer = try STOMPTestPeer(broker: self.broker, configuration: self.configuration)
        try peer.sendRaw("CONNECT\nlogin:" + String(repeating: "a", count: 5000))
        #expect(try peer.frames().first?.command == .error)
        #expect(!peer.isActive)
    }

    @Test func afterConnectedTheStompLimitsApply() throws {
        let peer = try STOMPTestPeer(broker: self.broker, configuration: self.configuration)
        #expect(try peer.connect()?.command == .connected)
        try peer.send(.send, ["destination": "/queue/big", "receipt": "r"], body: String(repeating: "x", count: 10000))
        #expect(try peer.frames() == [STOMPFrame(.receipt, headers: ["receipt-id": "r"])])
        #expect(peer.isActive)
    }
}
