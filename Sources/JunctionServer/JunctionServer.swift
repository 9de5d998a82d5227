// TEMPORARY (ops branch only): stands in for the real server so that `junction` builds on this
// branch. The real `JunctionServer` (listeners, broker, lifecycle) replaces this file on merge.
import Dispatch
public import Logging

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The broker process: logs its configuration and runs until SIGINT or SIGTERM.
public struct JunctionServer: Sendable {
    public let configuration: JunctionConfiguration
    private let logger: Logger

    public init(configuration: JunctionConfiguration, logger: Logger) {
        self.configuration = configuration
        self.logger = logger
    }

    public func run() async throws {
        self.logger.notice(
            "junction started without listeners",
            metadata: ["data_dir": "\(self.configuration.dataDirectory)"]
        )
        let signalNumber = await Self.waitForTermination()
        self.logger.notice("junction stopping", metadata: ["signal": "\(signalNumber)"])
    }

    private static func waitForTermination() async -> Int32 {
        await withCheckedContinuation { (continuation: CheckedContinuation<Int32, Never>) in
            let queue = DispatchQueue(label: "junction.signals")
            let once = SignalOnce(continuation: continuation)
            for signalNumber in [SIGINT, SIGTERM] {
                signal(signalNumber, SIG_IGN)
                let source = DispatchSource.makeSignalSource(signal: signalNumber, queue: queue)
                source.setEventHandler { once.fire(signalNumber) }
                source.resume()
                once.retain(source)
            }
        }
    }
}

/// Resumes the continuation for the first signal only. Touched only on the signal queue after set-up.
private final class SignalOnce: @unchecked Sendable {
    private var continuation: CheckedContinuation<Int32, Never>?
    private var sources: [any DispatchSourceSignal] = []

    init(continuation: CheckedContinuation<Int32, Never>) {
        self.continuation = continuation
    }

    func retain(_ source: any DispatchSourceSignal) {
        self.sources.append(source)
    }

    func fire(_ signalNumber: Int32) {
        self.continuation?.resume(returning: signalNumber)
        self.continuation = nil
    }
}
