// swift-tools-version:6.1
import PackageDescription

let swiftSettings: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
]

let package = Package(
    name: "Posko",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "posko", targets: ["posko"]),
    ],
    dependencies: [
        .package(url: "https://github.com/jpsim/Yams.git", from: "6.2.2"),
        .package(url: "https://github.com/groue/GRDB.swift.git", from: "7.10.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.1"),
        .package(url: "https://github.com/swift-server/async-http-client.git", from: "1.37.0"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-metrics.git", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.4.1"),
        .package(url: "https://github.com/apple/swift-crypto.git", from: "4.5.2"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
    ],
    targets: [
        // Domain, playbooks, continuity, planner, alert rules, SMS grammar, CAP model. No I/O, no clocks.
        .target(
            name: "PoskoCore",
            dependencies: [.product(name: "Yams", package: "Yams")],
            swiftSettings: swiftSettings
        ),
        // GRDB schema, event log, current state, outbox, audit log.
        .target(
            name: "PoskoStorage",
            dependencies: ["PoskoCore", .product(name: "GRDB", package: "GRDB.swift")],
            swiftSettings: swiftSettings
        ),
        // Notifier channels (Kannel, HTTP SMS, webhooks), dispatcher, CAP feed poller.
        .target(
            name: "PoskoDelivery",
            dependencies: [
                "PoskoCore", "PoskoStorage",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
            ],
            swiftSettings: swiftSettings
        ),
        // Hummingbird routes, auth, OpenAPI document.
        .target(
            name: "PoskoAPI",
            dependencies: [
                "PoskoCore", "PoskoStorage",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
            ],
            resources: [.copy("openapi.yaml")],
            swiftSettings: swiftSettings
        ),
        // Configuration, wiring, ServiceGroup, signals, sd_notify, CLI client, drill runner.
        .target(
            name: "PoskoApp",
            dependencies: [
                "PoskoCore", "PoskoStorage", "PoskoDelivery", "PoskoAPI",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "Yams", package: "Yams"),
            ],
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "posko",
            dependencies: [
                "PoskoApp", "PoskoStorage",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "PoskoTesting",
            dependencies: [
                "PoskoCore", "PoskoStorage", "PoskoDelivery", "PoskoAPI", "PoskoApp",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
            ],
            swiftSettings: swiftSettings
        ),
        // Delivery benchmarks (webhook fan-out, report → SMS through Kannel, outbox memory).
        .executableTarget(
            name: "DeliveryBenchmark",
            dependencies: [
                "PoskoCore", "PoskoStorage", "PoskoDelivery", "PoskoTesting",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "GRDB", package: "GRDB.swift"),
            ],
            path: "Benchmarks/delivery",
            exclude: ["README.md", "run.sh"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "PoskoCoreTests",
            dependencies: ["PoskoCore", "PoskoDelivery", "PoskoApp", "PoskoTesting"],
            exclude: ["Fixtures"],
            swiftSettings: swiftSettings
        ),
        .testTarget(name: "PoskoStorageTests", dependencies: ["PoskoStorage", "PoskoTesting"], swiftSettings: swiftSettings),
        .testTarget(
            name: "PoskoDeliveryTests",
            dependencies: [
                "PoskoDelivery", "PoskoTesting",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdTesting", package: "hummingbird"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "PoskoAPITests",
            dependencies: [
                "PoskoAPI", "PoskoApp", "PoskoTesting",
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "Yams", package: "Yams"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(name: "PoskoAppTests", dependencies: ["PoskoApp", "PoskoStorage", "PoskoTesting", "posko"], swiftSettings: swiftSettings),
    ]
)
