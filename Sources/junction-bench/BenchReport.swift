import Foundation

/// The result of one run: the printed line and the JSON record the bench scripts collect.
struct BenchReport: Sendable, Codable {
    var `protocol`: String
    var scenario: String
    var publishers: Int
    var consumers: Int
    var size: Int
    /// Messages sent by all publishers.
    var published: Int
    /// Distinct deliveries (publisher, sequence, group); `published * copies` when nothing is lost.
    var received: Int
    var expected: Int
    /// Publish rate over the publishing phase, messages per second.
    var sendRate: Double
    /// Delivery rate from the start of consuming to the last delivery, messages per second.
    var receiveRate: Double
    /// End-to-end latency in microseconds.
    var p50: UInt64
    var p90: UInt64
    var p99: UInt64
    var p999: UInt64
    var max: UInt64
    var lost: Int
    var duplicates: Int
    var reordered: Int
    /// The broker's CPU seconds from the first publish to the last delivery (`--broker-pid`), and that per
    /// delivered message (per published message when nothing is consumed), in microseconds.
    var brokerCPUSeconds: Double?
    var brokerCPUMicrosecondsPerMessage: Double?

    var line: String {
        let label = self.scenario.isEmpty ? self.protocol : "\(self.protocol) \(self.scenario)"
        return "\(label) sent/s=\(Int(self.sendRate)) received/s=\(Int(self.receiveRate)) "
            + "p50=\(self.p50)us p90=\(self.p90)us p99=\(self.p99)us p99.9=\(self.p999)us max=\(self.max)us "
            + "published=\(self.published) received=\(self.received) lost=\(self.lost) duplicates=\(self.duplicates) "
            + "reordered=\(self.reordered)"
            + (self.brokerCPUMicrosecondsPerMessage.map { " broker-cpu=\(Self.twoDecimals($0))us/msg" } ?? "")
    }

    private static func twoDecimals(_ value: Double) -> String {
        let hundredths = Int((value * 100).rounded())
        let fraction = hundredths % 100
        return "\(hundredths / 100).\(fraction < 10 ? "0" : "")\(fraction)"
    }

    /// Appends this report as one line of JSON (the file holds one object per run).
    func appendJSONLine(to path: String) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        var data = try encoder.encode(self)
        data.append(UInt8(ascii: "\n"))
        if !FileManager.default.fileExists(atPath: path) {
            _ = FileManager.default.createFile(atPath: path, contents: nil)
        }
        guard let handle = FileHandle(forWritingAtPath: path) else {
            throw BenchFailure(reason: "cannot open \(path) for writing")
        }
        defer { try? handle.close() }
        try handle.seekToEnd()
        try handle.write(contentsOf: data)
    }
}

/// Why a run stopped early.
struct BenchFailure: Error, CustomStringConvertible {
    var reason: String
    var description: String { "junction-bench: \(self.reason)" }
}
