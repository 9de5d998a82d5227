// swift-tools-version:6.1
import PackageDescription

let strictSettings: [SwiftSetting] = [
    .swiftLanguageMode(.v6),
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("InternalImportsByDefault"),
    .enableUpcomingFeature("MemberImportVisibility"),
    // The engine is confined to one event loop and its state machines are values mutated in place:
    // exclusivity is checked statically and in debug builds; the dynamic checks cost ~9% of the
    // release hot path (swift_beginAccess / AccessSet::insert in perf), so release builds skip them.
    .unsafeFlags(["-enforce-exclusivity=unchecked"], .when(configuration: .release)),
    // The message model and the codecs are modules of their own (issue 18): without cross-module
    // optimization their small types (MQTTPacket, Message, MessageProperties) are copied and destroyed
    // through unspecialized value witnesses at every call into them, which cost 7-12% of broker CPU per
    // message on the AMQP 1 KiB and MQTT rows (bench/results/2026-12-05-model-split.md).
    .unsafeFlags(["-cross-module-optimization"], .when(configuration: .release)),
]

let package = Package(
    name: "junction",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "junction", targets: ["junction"]),
        .executable(name: "junctionctl", targets: ["junctionctl"]),
        .executable(name: "junction-bench", targets: ["junction-bench"]),
        // For the micro-benchmark package in Benchmarks/ (it depends on this one by path).
        .library(name: "JunctionModel", targets: ["JunctionModel"]),
        .library(name: "JunctionCore", targets: ["JunctionCore"]),
        .library(name: "JunctionAMQP", targets: ["JunctionAMQP"]),
        .library(name: "JunctionMQTT", targets: ["JunctionMQTT"]),
        .library(name: "JunctionSTOMP", targets: ["JunctionSTOMP"]),
        // The pure codecs (bytes <-> frames), for the fuzz targets and benchmarks that need no engine.
        .library(name: "JunctionAMQPCodec", targets: ["JunctionAMQPCodec"]),
        .library(name: "JunctionMQTTCodec", targets: ["JunctionMQTTCodec"]),
        .library(name: "JunctionSTOMPCodec", targets: ["JunctionSTOMPCodec"]),
        // For the libFuzzer targets in Fuzz/ (the HTTP request head, JSON, WebSocket and storage decoders).
        .library(name: "JunctionHTTP", targets: ["JunctionHTTP"]),
        .library(name: "JunctionStorage", targets: ["JunctionStorage"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-collections", from: "1.6.0"),
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-configuration", from: "1.4.0", traits: [.defaults, "YAML"]),
        .package(url: "https://github.com/HdrHistogram/hdrhistogram-swift", from: "0.2.0"),
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.10.0"),
        .package(url: "https://github.com/apple/swift-metrics", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.1"),
        .package(url: "https://github.com/apple/swift-nio-ssl", from: "2.37.6"),
        .package(url: "https://github.com/apple/swift-crypto", "3.12.3"..<"5.0.0"),
        .package(url: "https://github.com/x-sheep/swift-property-based", from: "2.0.1"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
    ],
    targets: [
        // The message, its properties, field tables and their binary encodings: what the codecs, the engine and
        // the load generator share. NIOCore only, so a codec never links the engine.
        .target(
            name: "JunctionModel",
            dependencies: [
                .product(name: "NIOCore", package: "swift-nio")
            ],
            exclude: ["README.md"],
            swiftSettings: strictSettings
        ),
        // CRC-32C with the CPU's instruction (SSE 4.2 / AArch64 CRC), chosen at run time by JunctionStorage.
        .target(name: "CJunctionCRC32C", exclude: ["README.md"]),
        // MD5 of up to eight SQS message bodies at once on AVX2 lanes, chosen at run time by JunctionHTTP.
        .target(name: "CJunctionMD5", exclude: ["README.md"]),
        // The JSON and text scans of SQS message bodies, 16 bytes per step with SSE2, for JunctionHTTP.
        .target(name: "CJunctionByteScan", exclude: ["README.md"]),
        .target(
            name: "JunctionStorage",
            dependencies: [
                "CJunctionCRC32C",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "GRDB", package: "GRDB.swift"),
            ],
            exclude: ["README.md"],
            swiftSettings: strictSettings
        ),
        .target(
            name: "JunctionCore",
            dependencies: [
                "JunctionModel",
                "JunctionStorage",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "DequeModule", package: "swift-collections"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            exclude: ["README.md"],
            swiftSettings: strictSettings
        ),
        // The NIO glue every protocol adapter shares: connection output, inbound framing buffer, the publisher
        // gate, the peer identity seam and the listener protocol the server composes. The engine stays free of it.
        .target(
            name: "JunctionTransport",
            dependencies: [
                "JunctionCore",
                .product(name: "NIOCore", package: "swift-nio"),
            ],
            exclude: ["README.md"],
            swiftSettings: strictSettings
        ),
        .target(
            name: "JunctionAMQPCodec",
            dependencies: [
                "JunctionModel",
                .product(name: "NIOCore", package: "swift-nio"),
            ],
            exclude: ["README.md"],
            swiftSettings: strictSettings
        ),
        .target(
            name: "JunctionAMQP",
            dependencies: [
                "JunctionAMQPCodec",
                "JunctionModel",
                "JunctionCore",
                "JunctionTransport",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "DequeModule", package: "swift-collections"),
                .product(name: "Logging", package: "swift-log"),
            ],
            exclude: ["README.md"],
            swiftSettings: strictSettings
        ),
        .target(
            name: "JunctionSTOMPCodec",
            dependencies: [
                "JunctionModel",
                .product(name: "NIOCore", package: "swift-nio"),
            ],
            exclude: ["README.md"],
            swiftSettings: strictSettings
        ),
        .target(
            name: "JunctionSTOMP",
            dependencies: [
                "JunctionSTOMPCodec",
                "JunctionModel",
                "JunctionCore",
                "JunctionTransport",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "DequeModule", package: "swift-collections"),
                .product(name: "Logging", package: "swift-log"),
            ],
            exclude: ["README.md"],
            swiftSettings: strictSettings
        ),
        .target(
            name: "JunctionMQTTCodec",
            dependencies: [
                "JunctionModel",
                .product(name: "NIOCore", package: "swift-nio"),
            ],
            exclude: ["README.md"],
            swiftSettings: strictSettings
        ),
        .target(
            name: "JunctionMQTT",
            dependencies: [
                "JunctionMQTTCodec",
                "JunctionModel",
                "JunctionCore",
                "JunctionTransport",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "DequeModule", package: "swift-collections"),
                .product(name: "Logging", package: "swift-log"),
            ],
            exclude: ["README.md"],
            swiftSettings: strictSettings
        ),
        .target(
            name: "JunctionHTTP",
            dependencies: [
                "JunctionModel",
                "JunctionCore",
                "JunctionTransport",
                "CJunctionMD5",
                "CJunctionByteScan",
                // SQS visibility timeouts: every lease's deadline under one timer.
                .product(name: "HeapModule", package: "swift-collections"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOWebSocket", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "CoreMetrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                // SigV4 (SHA-256, HMAC) and the MD5 digests SQS answers with.
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            exclude: ["README.md"],
            swiftSettings: strictSettings
        ),
        .target(
            name: "JunctionServer",
            dependencies: [
                "JunctionModel",
                "JunctionCore",
                "JunctionStorage",
                "JunctionAMQP",
                "JunctionMQTT",
                "JunctionMQTTCodec",
                "JunctionSTOMP",
                "JunctionSTOMPCodec",
                "JunctionHTTP",
                "JunctionTransport",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "NIOTLS", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Configuration", package: "swift-configuration"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
            ],
            exclude: ["README.md"],
            swiftSettings: strictSettings
        ),
        .executableTarget(
            name: "junction",
            dependencies: [
                "JunctionServer",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            swiftSettings: strictSettings
        ),
        .executableTarget(
            name: "junctionctl",
            dependencies: [
                .product(name: "ArgumentParser", package: "swift-argument-parser")
            ],
            swiftSettings: strictSettings
        ),
        .executableTarget(
            name: "junction-bench",
            // The codecs and the model only: the load generator never links the engine, GRDB or SQLite.
            dependencies: [
                "JunctionModel",
                "JunctionAMQPCodec",
                "JunctionMQTTCodec",
                "JunctionSTOMPCodec",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "NIOTLS", package: "swift-nio"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Histogram", package: "hdrhistogram-swift"),
            ],
            swiftSettings: strictSettings
        ),
        .target(
            name: "JunctionTestSupport",
            dependencies: [
                "JunctionStorage",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOEmbedded", package: "swift-nio"),
                .product(name: "NIOTestUtils", package: "swift-nio"),
            ],
            path: "Tests/JunctionTestSupport",
            swiftSettings: strictSettings
        ),
        // The engine's operations without an access context, for tests that drive it as the broker
        // itself (one copy for every test target; JunctionTestSupport stays free of the engine).
        .target(
            name: "JunctionCoreTestSupport",
            dependencies: ["JunctionCore", "JunctionModel"],
            path: "Tests/JunctionCoreTestSupport",
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "JunctionStorageTests",
            dependencies: [
                "JunctionStorage", "JunctionTestSupport",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "PropertyBased", package: "swift-property-based"),
            ],
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "JunctionCoreTests",
            dependencies: [
                "JunctionCore", "JunctionModel", "JunctionStorage", "JunctionTestSupport", "JunctionCoreTestSupport",
                .product(name: "PropertyBased", package: "swift-property-based"),
            ],
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "JunctionTransportTests",
            dependencies: ["JunctionTransport", "JunctionCoreTestSupport"],
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "JunctionAMQPTests",
            dependencies: [
                "JunctionAMQP", "JunctionAMQPCodec", "JunctionModel", "JunctionCore", "JunctionTransport",
                "JunctionTestSupport",
                "JunctionCoreTestSupport",
                .product(name: "PropertyBased", package: "swift-property-based"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOEmbedded", package: "swift-nio"),
                .product(name: "NIOTestUtils", package: "swift-nio"),
            ],
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "JunctionSTOMPTests",
            dependencies: [
                "JunctionSTOMP", "JunctionSTOMPCodec", "JunctionModel", "JunctionCore", "JunctionTransport",
                "JunctionTestSupport",
                "JunctionCoreTestSupport",
                .product(name: "PropertyBased", package: "swift-property-based"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOEmbedded", package: "swift-nio"),
                .product(name: "NIOTestUtils", package: "swift-nio"),
            ],
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "JunctionMQTTTests",
            dependencies: [
                "JunctionMQTT", "JunctionMQTTCodec", "JunctionModel", "JunctionCore", "JunctionTransport",
                "JunctionTestSupport",
                "JunctionCoreTestSupport",
                .product(name: "PropertyBased", package: "swift-property-based"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOEmbedded", package: "swift-nio"),
                .product(name: "NIOTestUtils", package: "swift-nio"),
            ],
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "JunctionHTTPTests",
            dependencies: [
                "JunctionHTTP", "JunctionModel", "JunctionCore", "JunctionTransport", "JunctionTestSupport",
                "JunctionCoreTestSupport",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOWebSocket", package: "swift-nio"),
                .product(name: "NIOEmbedded", package: "swift-nio"),
            ],
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "JunctionServerTests",
            dependencies: [
                "JunctionServer", "JunctionModel", "JunctionCore", "JunctionTransport", "JunctionTestSupport",
                "JunctionMQTT", "JunctionMQTTCodec", "JunctionStorage", "JunctionCoreTestSupport",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                // Failure injection into the metadata store (SQLite triggers), as the interop tests do.
                .product(name: "GRDB", package: "GRDB.swift"),
            ],
            swiftSettings: strictSettings
        ),
    ]
)
