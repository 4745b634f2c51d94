// swift-tools-version:6.1
import PackageDescription

let strictSettings: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
]

let package = Package(
    name: "iptclinic",
    platforms: [.macOS(.v13)],
    products: [
        .executable(name: "iptclinic", targets: ["iptclinic"]),
    ],
    dependencies: [
        .package(url: "https://github.com/vapor/vapor.git", from: "4.122.3"),
        .package(url: "https://github.com/vapor/fluent.git", from: "4.13.0"),
        .package(url: "https://github.com/vapor/fluent-sqlite-driver.git", from: "4.9.0"),
        .package(url: "https://github.com/vapor/fluent-postgres-driver.git", from: "2.14.0"),
        .package(url: "https://github.com/JohnSundell/Plot.git", from: "0.14.0"),
        .package(url: "https://github.com/JohnSundell/Ink.git", from: "0.6.0"),
        .package(url: "https://github.com/apple/swift-crypto.git", "3.12.3"..<"5.0.0"),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-nio-ssl.git", from: "2.37.6"),
        // The OpenAPI document of /api/v1 as typed values (OpenAPI 3.1), not hand-built dictionaries.
        // No traits: the external-loading feature (multi-file documents) is not used.
        .package(url: "https://github.com/mattpolzin/OpenAPIKit.git", from: "6.4.0", traits: []),
        // /metrics: swift-metrics is what Vapor already reports requests through; Prometheus
        // collects them and writes the text format.
        .package(url: "https://github.com/apple/swift-metrics.git", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.4.1"),
    ],
    targets: [
        .target(
            name: "IPTCore",
            swiftSettings: strictSettings
        ),
        // Pages: the frame, form views, escaping and display helpers, and pages as plain-data
        // models with their views. Plot and IPTCore only, so the compiler keeps views from querying.
        .target(
            name: "IPTPages",
            dependencies: [
                "IPTCore",
                .product(name: "Plot", package: "Plot"),
            ],
            swiftSettings: strictSettings
        ),
        .target(
            name: "IPTWeb",
            dependencies: [
                "IPTCore",
                "IPTPages",
                .product(name: "Vapor", package: "vapor"),
                .product(name: "Fluent", package: "fluent"),
                .product(name: "FluentSQLiteDriver", package: "fluent-sqlite-driver"),
                .product(name: "FluentPostgresDriver", package: "fluent-postgres-driver"),
                .product(name: "Plot", package: "Plot"),
                .product(name: "Ink", package: "Ink"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "NIOTLS", package: "swift-nio"),
                .product(name: "OpenAPIKit", package: "OpenAPIKit"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
            ],
            swiftSettings: strictSettings
        ),
        .executableTarget(
            name: "iptclinic",
            dependencies: ["IPTWeb"],
            swiftSettings: strictSettings
        ),
        // Benchmark only (scripts/bench): the framework's floor, a bare route returning fixed bytes.
        .executableTarget(
            name: "BenchFloor",
            dependencies: [.product(name: "Vapor", package: "vapor")],
            swiftSettings: strictSettings
        ),
        // Benchmark only (scripts/bench-scheduling): the slot finder on a large synthetic clinic.
        .executableTarget(
            name: "SchedulingBench",
            dependencies: ["IPTCore"],
            swiftSettings: strictSettings
        ),
        // Benchmark only (scripts/bench-scale): fills a database with a fictional large clinic.
        .executableTarget(
            name: "ScaleClinic",
            dependencies: ["IPTWeb"],
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "IPTCoreTests",
            dependencies: ["IPTCore"],
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "IPTPagesTests",
            dependencies: ["IPTPages", "IPTCore", .product(name: "Plot", package: "Plot")],
            exclude: ["Snapshots"],
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "IPTWebTests",
            dependencies: [
                "IPTWeb",
                "IPTPages",
                .product(name: "VaporTesting", package: "vapor"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "OpenAPIKit", package: "OpenAPIKit"),
                .product(name: "FluentSQLiteDriver", package: "fluent-sqlite-driver"),
            ],
            swiftSettings: strictSettings
        ),
    ]
)
