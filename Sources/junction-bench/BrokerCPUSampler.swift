import Glibc

/// A broker's CPU time, user plus system over all its threads, read from `/proc/<pid>/stat`: what the
/// broker spent on a run whatever the client cost, which on a small shared machine says more than
/// messages per second. Linux only; nil when the process cannot be read.
struct BrokerCPUSampler: Sendable {
    let pid: Int32

    func seconds() -> Double? {
        let descriptor = open("/proc/\(self.pid)/stat", O_RDONLY)
        guard descriptor >= 0 else { return nil }
        defer { close(descriptor) }
        var buffer = [UInt8](repeating: 0, count: 1024)
        let count = buffer.withUnsafeMutableBytes { read(descriptor, $0.baseAddress, $0.count) }
        guard count > 0 else { return nil }
        let text = String(decoding: buffer[..<count], as: UTF8.self)
        // The command name (field 2) is in parentheses and may hold spaces: count fields after the last ')'.
        guard let close = text.lastIndex(of: ")") else { return nil }
        let fields = text[text.index(after: close)...].split(separator: " ")
        // fields[0] is field 3 (state); utime and stime are fields 14 and 15, in clock ticks.
        guard fields.count > 12, let user = Double(fields[11]), let system = Double(fields[12]) else { return nil }
        return (user + system) / Double(sysconf(Int32(_SC_CLK_TCK)))
    }
}
