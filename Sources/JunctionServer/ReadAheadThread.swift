import JunctionCore
import NIOCore
import NIOPosix

/// The read-ahead thread: the next window of a draining queue's paged messages is read and decoded here
/// while consumers drain the window before (`MessageQueue+ReadAhead`), so the engine loop does not wait on
/// the disk for it. A thread of its own, not the I/O thread: a read of megabytes must not hold back a
/// group commit's fsyncs, nor an fsync a read.
final class ReadAheadThread: ReadAheadExecutor {
    private let pool: NIOThreadPool
    private let loop: any EventLoop

    init(pool: NIOThreadPool, loop: any EventLoop) {
        self.pool = pool
        self.loop = loop
    }

    func run(_ read: PagedRead, completion: @escaping (Result<[[PagedReadMessage]], any Error>) -> Void) {
        self.pool.runIfActive(eventLoop: self.loop) { try read.run() }.assumeIsolated().whenComplete(completion)
    }
}
