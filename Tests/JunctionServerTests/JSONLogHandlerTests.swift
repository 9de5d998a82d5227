import Foundation
import Logging
import Testing

@testable import JunctionServer

@Suite("JSON log lines")
struct JSONLogHandlerTests {
    /// Collects what a handler writes.
    final class Lines: @unchecked Sendable {
        private let lock = NSLock()
        private var collected: [String] = []
        func append(_ line: String) { self.lock.withLock { self.collected.append(line) } }
        var all: [String] { self.lock.withLock { self.collected } }
    }

    private func logger(_ label: String, lines: Lines, level: Logger.Level = .trace) -> Logger {
        var logger = Logger(label: label) { label in
            JSONLogHandler(label: label, write: { lines.append($0) })
        }
        logger.logLevel = level
        return logger
    }

    private func object(_ line: String) throws -> [String: Any] {
        #expect(line.hasSuffix("\n"))
        #expect(line.dropLast().contains("\n") == false, "one record, one line")
        let parsed = try JSONSerialization.jsonObject(with: Data(line.utf8))
        return try #require(parsed as? [String: Any])
    }

    @Test func aRecordIsOneJSONObjectWithTimeLevelLoggerMessageAndMetadata() throws {
        let lines = Lines()
        var logger = self.logger("junction.amqp", lines: lines)
        logger[metadataKey: "connection"] = "7"
        logger.debug(
            "AMQP connection opened",
            metadata: ["peer": "127.0.0.1:5000", "channels": .array(["1", "2"]), "limits": ["max": "10"]])
        let record = try self.object(try #require(lines.all.first))
        #expect(record["level"] as? String == "debug")
        #expect(record["logger"] as? String == "junction.amqp")
        #expect(record["message"] as? String == "AMQP connection opened")
        let metadata = try #require(record["metadata"] as? [String: Any])
        #expect(metadata["connection"] as? String == "7")
        #expect(metadata["peer"] as? String == "127.0.0.1:5000")
        #expect(metadata["channels"] as? [String] == ["1", "2"])
        #expect((metadata["limits"] as? [String: Any])?["max"] as? String == "10")
        let time = try #require(record["time"] as? String)
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        let date = try #require(formatter.date(from: time), "ISO 8601: \(time)")
        #expect(abs(date.timeIntervalSinceNow) < 60)
    }

    @Test func hostileTextStaysInsideItsString() throws {
        let lines = Lines()
        let logger = self.logger("junction.stomp", lines: lines)
        let nasty = "quote \" backslash \\ newline \n tab \t nul \u{0} bell \u{7} del \u{7F} é ✓"
        logger.notice("\(nasty)", metadata: [nasty: "\(nasty)"])
        let record = try self.object(try #require(lines.all.first))
        #expect(record["message"] as? String == nasty)
        #expect((record["metadata"] as? [String: Any])?[nasty] as? String == nasty)
    }

    @Test func noMetadataMeansNoMetadataKey() throws {
        let lines = Lines()
        self.logger("junction", lines: lines).info("broker stopped")
        let record = try self.object(try #require(lines.all.first))
        #expect(record["metadata"] == nil)
        #expect(Set(record.keys) == ["time", "level", "logger", "message", "source"])
    }

    @Test func levelsBelowTheLoggersAreNotWritten() {
        let lines = Lines()
        let logger = self.logger("junction.mqtt", lines: lines, level: .info)
        logger.debug("hidden")
        logger.info("shown")
        #expect(lines.all.count == 1)
    }

    @Test func timestampsAreUTCWithMilliseconds() {
        #expect(JSONLogEncoding.timestamp(seconds: 0, milliseconds: 5) == "1970-01-01T00:00:00.005Z")
        #expect(JSONLogEncoding.timestamp(seconds: 1_796_463_012, milliseconds: 345) == "2026-12-05T09:30:12.345Z")
    }

    @Test func theConfiguredFormatPicksTheHandler() {
        var configuration = JunctionConfiguration()
        configuration.logFormat = .json
        configuration.logLevels = ["junction.tls": .debug]
        let handler = JunctionLogging.handler(label: "junction.tls", configuration: configuration)
        #expect(handler is JSONLogHandler)
        #expect(handler.logLevel == .debug)
        configuration.logFormat = .text
        #expect(JunctionLogging.handler(label: "junction", configuration: configuration) is StreamLogHandler)
    }

    @Test func logFormatFromFileEnvironmentAndFlag() async throws {
        #expect(try await JunctionConfiguration.load(configFile: nil, environment: [:]).logFormat == .text)
        let fromEnvironment = try await JunctionConfiguration.load(
            configFile: nil, environment: ["JUNCTION_LOG_FORMAT": "json"])
        #expect(fromEnvironment.logFormat == .json)
        let fromFlag = try await JunctionConfiguration.load(
            configFile: nil, environment: ["JUNCTION_LOG_FORMAT": "json"],
            overrides: ConfigurationOverrides(logFormat: "text"))
        #expect(fromFlag.logFormat == .text)
        await #expect {
            _ = try await JunctionConfiguration.load(configFile: nil, environment: ["JUNCTION_LOG_FORMAT": "xml"])
        } throws: { error in
            "\(error)".contains("log_format")
        }
    }
}
