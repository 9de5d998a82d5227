import JunctionCore
import NIOCore
import NIOPosix

/// The I/O thread: group commits' fsyncs and SQLite commits of MQTT session state run here, never
/// on the engine loop, and complete back on the loop, which goes on reading, routing and
/// delivering meanwhile. One thread: a commit's fsyncs stay in their order, and commits follow one
/// another.
final class IOThread: DiskSyncExecutor {
    private let pool: NIOThreadPool
    private let loop: any EventLoop

    init(pool: NIOThreadPool, loop: any EventLoop) {
        self.pool = pool
        self.loop = loop
    }

    func run(_ work: SyncWork, completion: @escaping ([(any Error)?]) -> Void) {
        let count = work.handles.count
        self.run({ work.run() }) { result in
            switch result {
            case .success(let outcomes): completion(outcomes)
            // The pool is shutting down: nothing was synced, so nothing counts as durable.
            case .failure(let error): completion(Array(repeating: error, count: max(count, 1)))
            }
        }
    }

    /// Runs `work` on the I/O thread, then `completion` on the engine loop.
    func run<Value: Sendable>(
        _ work: @escaping @Sendable () throws -> Value, completion: @escaping (Result<Value, any Error>) -> Void
    ) {
        self.pool.runIfActive(eventLoop: self.loop, work).assumeIsolated().whenComplete(completion)
    }

    /// Runs `body` on the engine loop after the events it is handling now (so the read bursts of
    /// this loop tick join one commit).
    func onLoopSoon(_ body: @escaping () -> Void) {
        self.loop.assumeIsolated().execute(body)
    }
}
