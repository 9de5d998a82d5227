public import Logging
import Synchronization

/// Log levels that a reload (SIGHUP) can change. Every handler `JunctionLogging.bootstrap` makes
/// reads its level from its label's slot here, one relaxed atomic load per level check, and
/// `update(from:)` rewrites every slot from the reloaded configuration (`log_level`, `log_levels`).
public final class LogLevelRegistry: Sendable {
    /// The process's registry (logging is bootstrapped once per process).
    public static let shared = LogLevelRegistry()

    public init() {}

    /// A handler (writing nowhere) whose level is this registry's for `label`: for tests.
    public func handler(label: String) -> some LogHandler {
        ReloadableLevelLogHandler(inner: SwiftLogNoOpLogHandler(label), slot: self.slot(forLabel: label))
    }

    /// One label's level, shared by every handler with that label.
    final class Slot: Sendable {
        private let raw: Atomic<UInt8>

        init(_ level: Logger.Level) { self.raw = Atomic(Self.encode(level)) }

        var level: Logger.Level {
            get { Logger.Level.allCases[Int(self.raw.load(ordering: .relaxed))] }
            set { self.raw.store(Self.encode(newValue), ordering: .relaxed) }
        }

        private static func encode(_ level: Logger.Level) -> UInt8 {
            UInt8(Logger.Level.allCases.firstIndex(of: level) ?? 0)
        }
    }

    private struct State {
        var slots: [String: Slot] = [:]
        var configuration = JunctionConfiguration()
    }

    private let state = Mutex(State())

    /// The slot of `label`, made at the configured level the first time (when a logger is made).
    func slot(forLabel label: String) -> Slot {
        self.state.withLock { state in
            if let slot = state.slots[label] { return slot }
            let slot = Slot(state.configuration.logLevel(forLabel: label))
            state.slots[label] = slot
            return slot
        }
    }

    /// Sets every logger, existing and future, to the levels `configuration` gives.
    public func update(from configuration: JunctionConfiguration) {
        self.state.withLock { state in
            state.configuration = configuration
            for (label, slot) in state.slots {
                slot.level = configuration.logLevel(forLabel: label)
            }
        }
    }
}

/// Wraps the text or JSON handler: the level comes from the label's `LogLevelRegistry` slot, so a
/// reload reaches loggers that were made long before it. Setting `logLevel` sets it for the label.
struct ReloadableLevelLogHandler: LogHandler {
    var inner: any LogHandler
    let slot: LogLevelRegistry.Slot

    var logLevel: Logger.Level {
        get { self.slot.level }
        set { self.slot.level = newValue }
    }

    var metadata: Logger.Metadata {
        get { self.inner.metadata }
        set { self.inner.metadata = newValue }
    }

    var metadataProvider: Logger.MetadataProvider? {
        get { self.inner.metadataProvider }
        set { self.inner.metadataProvider = newValue }
    }

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { self.inner[metadataKey: key] }
        set { self.inner[metadataKey: key] = newValue }
    }

    func log(event: LogEvent) {
        self.inner.log(event: event)
    }
}
