import NIOCore
import NIOEmbedded
import Testing

@testable import JunctionHTTP

/// The request guard's waits (a head within `headerTimeout`, an idle keep-alive connection closed after
/// `idleTimeout`) on the embedded loop's clock. Its one timer fires early and is set again when a deadline
/// moved later, so these check that the deadline that counts is the latest one.
@Suite("HTTP request guard timers")
struct HTTPRequestGuardTests {
    static func channel() throws -> (EmbeddedChannel, HTTPRequestGuard) {
        let requestGuard = HTTPRequestGuard(
            maxHeaderBytes: 1024, headerTimeout: .seconds(10), idleTimeout: .seconds(60))
        let channel = EmbeddedChannel(handler: requestGuard)
        try channel.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 1)).wait()
        return (channel, requestGuard)
    }

    static func written(_ channel: EmbeddedChannel) throws -> String {
        var text = ""
        while let buffer = try channel.readOutbound(as: ByteBuffer.self) { text += String(buffer: buffer) }
        return text
    }

    @Test func aHeadThatDoesNotArriveIsRefusedWith408() throws {
        let (channel, _) = try Self.channel()
        channel.embeddedEventLoop.advanceTime(by: .seconds(9))
        #expect(channel.isActive)
        channel.embeddedEventLoop.advanceTime(by: .seconds(2))
        #expect(try Self.written(channel).hasPrefix("HTTP/1.1 408 Request Timeout"))
        #expect(!channel.isActive)
    }

    @Test func aHeadStartedLateInAnIdleWaitGetsItsWholeHeaderTimeout() throws {
        let (channel, requestGuard) = try Self.channel()
        requestGuard.headReceived()
        requestGuard.responseFinished()
        channel.embeddedEventLoop.advanceTime(by: .seconds(9))
        try channel.writeInbound(ByteBuffer(string: "POST / HT"))
        // The timer set for the idle wait fires at 10 s; the head's deadline is 19 s.
        channel.embeddedEventLoop.advanceTime(by: .milliseconds(9_900))
        #expect(channel.isActive)
        #expect(try Self.written(channel).isEmpty)
        channel.embeddedEventLoop.advanceTime(by: .milliseconds(200))
        #expect(try Self.written(channel).hasPrefix("HTTP/1.1 408 Request Timeout"))
        #expect(!channel.isActive)
    }

    @Test func anIdleKeepAliveConnectionIsClosedAfterIdleTimeoutWithoutAnAnswer() throws {
        let (channel, requestGuard) = try Self.channel()
        requestGuard.headReceived()
        requestGuard.responseFinished()
        channel.embeddedEventLoop.advanceTime(by: .seconds(59))
        #expect(channel.isActive)
        channel.embeddedEventLoop.advanceTime(by: .seconds(2))
        #expect(!channel.isActive)
        #expect(try Self.written(channel).isEmpty)
    }

    @Test func noWaitRunsWhileARequestIsServedAndEachRequestStartsAnew() throws {
        let (channel, requestGuard) = try Self.channel()
        // Many requests, each served for 8 s: no head or idle deadline may carry over from one to the next.
        for _ in 0..<20 {
            try channel.writeInbound(ByteBuffer(string: "GET / HTTP/1.1\r\n\r\n"))
            requestGuard.headReceived()
            channel.embeddedEventLoop.advanceTime(by: .seconds(8))
            requestGuard.responseFinished()
            channel.embeddedEventLoop.advanceTime(by: .seconds(8))
            #expect(channel.isActive)
        }
        #expect(try Self.written(channel).isEmpty)
        // A long-served request (a long poll) is not timed at all.
        requestGuard.headReceived()
        channel.embeddedEventLoop.advanceTime(by: .seconds(600))
        #expect(channel.isActive)
    }
}
