import JunctionCore
import NIOCore
import NIOPosix

/// Runs each group commit's fsyncs on the I/O thread (one thread: a commit's fsyncs stay in their
/// order, and commits follow one another) and completes the commit back on the engine loop, which
/// goes on reading, routing and delivering meanwhile.
final class IOThreadDiskSync: DiskSyncExecutor {
    private let pool: NIOThreadPool
    private let loop: any EventLoop

    init(pool: NIOThreadPool, loop: any EventLoop) {
        self.pool = pool
        self.loop = loop
    }

    func run(_ work: SyncWork, completion: @escaping ([(any Error)?]) -> Void) {
        let count = work.handles.count
        self.pool.runIfActive(eventLoop: self.loop) { work.run() }
            .assumeIsolated()
            .whenComplete { result in
                switch result {
                case .success(let outcomes): completion(outcomes)
                // The pool is shutting down: nothing was synced, so nothing counts as durable.
                case .failure(let error): completion(Array(repeating: error, count: max(count, 1)))
                }
            }
    }
}
