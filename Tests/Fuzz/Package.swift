// swift-tools-version:6.0
import PackageDescription

// libFuzzer targets over statushook's parsers of untrusted input, one executable each. A package
// of its own so that the root package's `swift build` and `swift test` never see libFuzzer.
// Built only by scripts/fuzz, with `-sanitize=fuzzer,address` and `-enable-testing` on every
// module: the targets `@testable import StatushookCore` to reach internal parsers
// (CallbackJSONParser, ConfigurationLexer, PageTokenCodec) without widening its API.
let package = Package(
    name: "statushook-fuzz",
    platforms: [.macOS(.v14)],
    dependencies: [
        .package(name: "statushook", path: "../.."),
    ],
    targets: [
        // libFuzzer's driver, declared for Swift; each target's main.swift hands it its check.
        .target(name: "CFuzzerDriver"),
        .target(name: "FuzzSupport", dependencies: ["CFuzzerDriver"]),
        .executableTarget(name: "FuzzForm", dependencies: ["FuzzSupport", .product(name: "StatushookCore", package: "statushook")]),
        .executableTarget(name: "FuzzJSON", dependencies: ["FuzzSupport", .product(name: "StatushookCore", package: "statushook")]),
        .executableTarget(name: "FuzzSignature", dependencies: ["FuzzSupport", .product(name: "StatushookCore", package: "statushook")]),
        .executableTarget(name: "FuzzConfig", dependencies: ["FuzzSupport", .product(name: "StatushookCore", package: "statushook")]),
        .executableTarget(name: "FuzzPageToken", dependencies: ["FuzzSupport", .product(name: "StatushookCore", package: "statushook")]),
    ],
    swiftLanguageModes: [.v6]
)
