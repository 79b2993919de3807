// swift-tools-version:6.0
import PackageDescription

// Layers, bottom to top: C edges (system libraries and one shim), thin Swift wrappers over them
// (HTTPServer, PostgresClient, Hashing) that know nothing of Twilio, the domain
// (StatushookCore), and a thin executable.
let package = Package(
    name: "statushook",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "statushook", targets: ["statushook"]),
        // For the fuzz targets in Tests/Fuzz, a package of their own that depends on this one.
        .library(name: "StatushookCore", targets: ["StatushookCore"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        // The metrics API and its Prometheus backend (registry and text exposition).
        .package(url: "https://github.com/apple/swift-metrics", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.1"),
    ],
    targets: [
        // C edges.
        .systemLibrary(
            name: "CMicroHTTPD",
            pkgConfig: "libmicrohttpd",
            providers: [.apt(["libmicrohttpd-dev"])]
        ),
        .target(
            name: "CMicroHTTPDShim",
            dependencies: ["CMicroHTTPD"]
        ),
        .systemLibrary(
            name: "CLibPQ",
            pkgConfig: "libpq",
            providers: [.apt(["libpq-dev"])]
        ),
        .systemLibrary(
            name: "CCurl",
            pkgConfig: "libcurl",
            providers: [.apt(["libcurl4-openssl-dev"])]
        ),
        // curl_easy_setopt is variadic: typed wrappers for Swift.
        .target(name: "CCurlShim", dependencies: ["CCurl"]),
        .systemLibrary(
            name: "COpenSSL",
            pkgConfig: "openssl",
            providers: [.apt(["libssl-dev"])]
        ),

        // Thin Swift wrappers.
        // A pthread-mutex lock in place of Synchronization.Mutex, which ThreadSanitizer cannot see.
        .target(name: "Locking"),
        .target(name: "DurationUnits"),
        .target(name: "HTTPServer", dependencies: ["CMicroHTTPD", "CMicroHTTPDShim", "Locking", "DurationUnits"]),
        .target(name: "PostgresClient", dependencies: ["CLibPQ", "Locking", "DurationUnits"]),
        .target(name: "Hashing", dependencies: ["COpenSSL"]),
        // OpenSSL's macros (SSL_set_tlsext_host_name, …) as functions Swift can call.
        .target(name: "COpenSSLShim", dependencies: ["COpenSSL"]),
        .target(name: "SMTPClient", dependencies: ["COpenSSL", "COpenSSLShim", "DurationUnits"]),
        .target(name: "HTTPClient", dependencies: ["CCurl", "CCurlShim", "DurationUnits"]),

        // The domain.
        .target(
            name: "StatushookCore",
            dependencies: [
                "HTTPServer", "PostgresClient", "Hashing", "SMTPClient", "HTTPClient", "Locking", "DurationUnits",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "CoreMetrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
            ]
        ),

        // The executable.
        .executableTarget(
            name: "statushook",
            dependencies: [
                "StatushookCore",
                "Hashing",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),

        // Helpers the test targets share (a test target cannot depend on another).
        .target(name: "TestSupport", path: "Tests/TestSupport"),
        // The domain's pure logic, with no server to start (some tests start Python peers).
        .testTarget(name: "StatushookCoreTests", dependencies: [
            "StatushookCore", "Hashing", "TestSupport", "DurationUnits",
            .product(name: "Prometheus", package: "swift-prometheus"),
        ]),
        // The domain's SQL against a real PostgreSQL: STATUSHOOK_TEST_DATABASE_URL, set by scripts/test.
        .testTarget(name: "StatushookCoreDatabaseTests", dependencies: ["StatushookCore", "PostgresClient"]),
        // Needs a running PostgreSQL: STATUSHOOK_TEST_DATABASE_URL, set by scripts/test.
        .testTarget(name: "PostgresClientTests", dependencies: ["PostgresClient"]),
        // Start real peers (aiosmtpd, a local HTTP receiver) from the venv scripts/test prepares.
        .testTarget(name: "SMTPClientTests", dependencies: ["SMTPClient"]),
        .testTarget(name: "HTTPClientTests", dependencies: ["HTTPClient", "TestSupport"]),
    ],
    swiftLanguageModes: [.v6]
)
