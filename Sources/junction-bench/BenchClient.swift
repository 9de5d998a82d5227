import NIOCore

/// One bench connection, publisher or consumer, of any protocol; driven by `BenchRun` on the run's event loop.
protocol BenchClient: ChannelHandler {
    /// Starts publishing once every connection is ready (publishers only).
    func startPublishing()
    /// Says goodbye in the protocol; the socket closes when the broker answers (or the run gives up waiting).
    func close()
    /// Closes the socket without a goodbye.
    func abort()
    /// Installs the client (and any codec handlers it needs in front of it) on a new connection.
    func addHandlers(to pipeline: ChannelPipeline.SynchronousOperations) throws
}

extension BenchClient {
    func addHandlers(to pipeline: ChannelPipeline.SynchronousOperations) throws {
        try pipeline.addHandler(self)
    }
}

/// A connection's part in a run.
enum BenchRole {
    case publisher(index: Int)
    /// `group`: which delivery group the consumer belongs to (see `BenchRecorder`).
    case consumer(index: Int, group: Int)
}

extension ChannelHandlerContext {
    /// Runs `body` after the events already queued on the loop, or after `delay`; used by publishers to yield
    /// between batches so acks and deliveries are read.
    func benchSchedule(in delay: TimeAmount?, _ body: @escaping () -> Void) {
        let loop = self.eventLoop.assumeIsolated()
        if let delay {
            loop.scheduleTask(in: delay, body)
        } else {
            loop.execute(body)
        }
    }
}
