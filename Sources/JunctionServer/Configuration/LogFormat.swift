/// How log records are written to standard error (`log_format`, `--log-format`, `JUNCTION_LOG_FORMAT`).
public enum LogFormat: String, Sendable, Hashable, CaseIterable {
    /// swift-log's `StreamLogHandler` lines, for people at a terminal.
    case text
    /// One JSON object per line (`JSONLogHandler`), for log shippers.
    case json
}
