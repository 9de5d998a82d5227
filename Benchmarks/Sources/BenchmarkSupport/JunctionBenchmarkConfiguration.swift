public import Benchmark
import Foundation

/// The configuration every Junction micro-benchmark suite starts from.
public enum JunctionBenchmarkConfiguration {
    /// Operations per measured sample: each sample runs `benchmark.scaledIterations` (1,000) operations,
    /// and the scaled metrics (time, CPU, mallocs) are reported per operation.
    public static var scalingFactor: BenchmarkScalingFactor { .kilo }

    /// Environment variable that fixes the number of samples (see `apply()`).
    public static let fixedSamplesVariable = "JUNCTION_BENCHMARK_SAMPLES"

    /// Wall clock, CPU and malloc counts per operation, plus throughput: at most 0.5 s or 200 samples
    /// of 1,000 operations per benchmark, so the whole suite runs in well under a minute.
    ///
    /// With `JUNCTION_BENCHMARK_SAMPLES=N` in the environment: exactly N samples, no warm-up, no time
    /// limit and wall clock only, so that the work done, and so an instruction count under callgrind,
    /// does not depend on how fast the machine is (`Benchmarks/callgrind`).
    public static func apply() {
        if let text = ProcessInfo.processInfo.environment[Self.fixedSamplesVariable], let samples = Int(text) {
            Benchmark.defaultConfiguration = .init(
                metrics: [.wallClock],
                timeUnits: .nanoseconds,
                warmupIterations: 0,
                scalingFactor: Self.scalingFactor,
                maxDuration: .seconds(86_400),
                maxIterations: samples
            )
            return
        }
        Benchmark.defaultConfiguration = .init(
            metrics: [.wallClock, .cpuTotal, .mallocCountTotal, .mallocBytesCount, .throughput],
            timeUnits: .nanoseconds,
            warmupIterations: 5,
            scalingFactor: Self.scalingFactor,
            maxDuration: .milliseconds(500),
            maxIterations: 200
        )
    }
}
