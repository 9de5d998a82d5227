// swift-tools-version:6.1
// Micro-benchmarks of the codecs, the router and the engine, with allocation counts:
// `swift package --disable-sandbox benchmark` (README.md). A package of its own so that building the
// broker never resolves or builds the benchmark dependency.
import PackageDescription

import class Foundation.ProcessInfo

/// `Benchmarks/callgrind` builds without the malloc interposer (valgrind brings its own malloc and
/// crashes with both); every other build counts mallocs through it.
let mallocInterposer = ProcessInfo.processInfo.environment["JUNCTION_BENCHMARK_NO_MALLOC_INTERPOSER"] == nil

let benchmarkSettings: [SwiftSetting] = [
    .swiftLanguageMode(.v6),
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("InternalImportsByDefault"),
    .enableUpcomingFeature("MemberImportVisibility"),
]

/// One benchmark suite: an executable under `Benchmarks/<name>/`, where the benchmark plugin looks for it.
func benchmarkTarget(_ name: String, dependencies: [Target.Dependency]) -> Target {
    .executableTarget(
        name: name,
        dependencies: [
            "BenchmarkSupport",
            .product(name: "Benchmark", package: "benchmark"),
            .product(name: "NIOCore", package: "swift-nio"),
        ] + dependencies,
        path: "Benchmarks/\(name)",
        swiftSettings: benchmarkSettings,
        plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]
    )
}

let package = Package(
    name: "junction-benchmarks",
    platforms: [.macOS(.v15)],
    dependencies: [
        .package(name: "junction", path: ".."),
        .package(
            url: "https://github.com/ordo-one/benchmark", from: "1.38.1",
            traits: mallocInterposer ? ["MallocInterposer"] : []),
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
    ],
    targets: [
        .target(
            name: "BenchmarkSupport",
            dependencies: [
                .product(name: "Benchmark", package: "benchmark"),
                .product(name: "NIOCore", package: "swift-nio"),
            ],
            swiftSettings: benchmarkSettings
        ),
        benchmarkTarget(
            "AMQPCodecBenchmarks",
            dependencies: [
                .product(name: "JunctionAMQPCodec", package: "junction"),
                .product(name: "JunctionModel", package: "junction"),
            ]
        ),
        benchmarkTarget(
            "MQTTCodecBenchmarks",
            dependencies: [
                .product(name: "JunctionMQTT", package: "junction"),
                .product(name: "JunctionMQTTCodec", package: "junction"),
                .product(name: "JunctionModel", package: "junction"),
            ]
        ),
        benchmarkTarget(
            "STOMPCodecBenchmarks",
            dependencies: [
                .product(name: "JunctionSTOMP", package: "junction"),
                .product(name: "JunctionSTOMPCodec", package: "junction"),
                .product(name: "JunctionModel", package: "junction"),
            ]
        ),
        benchmarkTarget(
            "RouterBenchmarks",
            dependencies: [
                .product(name: "JunctionCore", package: "junction"),
                .product(name: "JunctionModel", package: "junction"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
    ]
)
