// swift-tools-version:6.1
// libFuzzer targets for every decoder of the broker: `scripts/fuzz [SECONDS]` builds and runs them all (README.md).
// A package of its own, like Benchmarks/, so that the broker's build and CI never build the fuzz targets; it
// depends on the broker's package by path and must be built with
// `-Xswiftc -sanitize=fuzzer,address -Xswiftc -Xclang-linker -Xswiftc -fuse-ld=lld` (scripts/fuzz does).
import PackageDescription

let fuzzSettings: [SwiftSetting] = [
    .swiftLanguageMode(.v6),
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("InternalImportsByDefault"),
    .enableUpcomingFeature("MemberImportVisibility"),
]

/// One fuzz target: an executable under `Sources/<name>/` whose `main` hands its input callback to libFuzzer.
func fuzzTarget(_ name: String, dependencies: [Target.Dependency]) -> Target {
    .executableTarget(
        name: name,
        dependencies: ["FuzzSupport", .product(name: "NIOCore", package: "swift-nio")] + dependencies,
        swiftSettings: fuzzSettings
    )
}

let package = Package(
    name: "junction-fuzz",
    platforms: [.macOS(.v15)],
    dependencies: [
        .package(name: "junction", path: ".."),
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
    ],
    targets: [
        // Declares libFuzzer's LLVMFuzzerRunDriver (the runtime comes with `-sanitize=fuzzer`).
        .target(name: "CLibFuzzer"),
        .target(
            name: "FuzzSupport",
            dependencies: ["CLibFuzzer", .product(name: "NIOCore", package: "swift-nio")],
            swiftSettings: fuzzSettings
        ),
        // What the AMQP targets share: decode every frame, check its round trip.
        .target(
            name: "AMQPFuzzing",
            dependencies: [
                "FuzzSupport", .product(name: "JunctionAMQPCodec", package: "junction"),
                .product(name: "NIOCore", package: "swift-nio"),
            ],
            swiftSettings: fuzzSettings
        ),
        fuzzTarget(
            "FuzzAMQPFrame", dependencies: ["AMQPFuzzing", .product(name: "JunctionAMQPCodec", package: "junction")]),
        fuzzTarget("FuzzAMQPMethod", dependencies: ["AMQPFuzzing"]),
        fuzzTarget("FuzzAMQPContentHeader", dependencies: ["AMQPFuzzing"]),
        fuzzTarget("FuzzAMQPFieldTable", dependencies: [.product(name: "JunctionModel", package: "junction")]),
        // What the MQTT targets share: decode every packet, check its round trip.
        .target(
            name: "MQTTFuzzing",
            dependencies: [
                "FuzzSupport", .product(name: "JunctionMQTTCodec", package: "junction"),
                .product(name: "JunctionModel", package: "junction"), .product(name: "NIOCore", package: "swift-nio"),
            ],
            swiftSettings: fuzzSettings
        ),
        fuzzTarget(
            "FuzzMQTT311Packet",
            dependencies: ["MQTTFuzzing", .product(name: "JunctionMQTTCodec", package: "junction")]),
        fuzzTarget(
            "FuzzMQTT5Packet", dependencies: ["MQTTFuzzing", .product(name: "JunctionMQTTCodec", package: "junction")]),
        fuzzTarget("FuzzMQTT5Properties", dependencies: ["MQTTFuzzing"]),
        fuzzTarget("FuzzSTOMPFrame", dependencies: [.product(name: "JunctionSTOMPCodec", package: "junction")]),
        fuzzTarget(
            "FuzzWebSocketFrame",
            dependencies: [
                .product(name: "JunctionHTTP", package: "junction"),
                .product(name: "NIOEmbedded", package: "swift-nio"),
                .product(name: "NIOWebSocket", package: "swift-nio"),
            ]
        ),
        fuzzTarget(
            "FuzzHTTPRequestHead",
            dependencies: [
                .product(name: "JunctionHTTP", package: "junction"),
                .product(name: "NIOEmbedded", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ]
        ),
        fuzzTarget("FuzzJSON", dependencies: [.product(name: "JunctionHTTP", package: "junction")]),
        fuzzTarget("FuzzRecordBatch", dependencies: [.product(name: "JunctionStorage", package: "junction")]),
        fuzzTarget("FuzzSegmentRecovery", dependencies: [.product(name: "JunctionStorage", package: "junction")]),
    ]
)
