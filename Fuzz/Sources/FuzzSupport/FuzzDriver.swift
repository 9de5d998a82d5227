public import CLibFuzzer
import Glibc
public import NIOCore

/// Runs libFuzzer with this process's arguments (`-runs=N`, `-max_total_time=S`, corpus directories...).
///
/// SwiftPM links every executable with its own `main` (it renames the module's entry point), which replaces
/// libFuzzer's; so each target's `main` calls the driver itself with its input callback.
public enum FuzzDriver {
    public static func run(_ callback: @convention(c) (UnsafePointer<UInt8>?, Int) -> CInt) -> Never {
        var argc = CommandLine.argc
        var argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>? = CommandLine.unsafeArgv
        exit(LLVMFuzzerRunDriver(&argc, &argv, callback))
    }
}

extension ByteBuffer {
    /// The fuzz input as a buffer (copied: the decoders may keep slices of it beyond the callback).
    public init(fuzzInput data: UnsafePointer<UInt8>?, count: Int) {
        self.init(bytes: UnsafeBufferPointer(start: data, count: count))
    }
}

/// Stops the run with a crash libFuzzer records (and minimises) when an invariant of a decoder fails.
public func fuzzCheck(
    _ condition: @autoclosure () -> Bool, _ message: @autoclosure () -> String, file: StaticString = #file,
    line: UInt = #line
) {
    if !condition() {
        fatalError("fuzz invariant failed: \(message())", file: file, line: line)
    }
}
