// swift-tools-version:5.9
// Relaydesk for iOS: the Rust core (RelaydeskFFI.xcframework, built by build-xcframework.sh)
// and its generated Swift API (Sources/Relaydesk/relaydesk_ffi.swift, copied by the same
// script). Add this package to an app, or open Sample/ for a SwiftUI example.
import PackageDescription

let package = Package(
    name: "Relaydesk",
    platforms: [.iOS(.v16)],
    products: [
        .library(name: "Relaydesk", targets: ["Relaydesk"]),
    ],
    targets: [
        .binaryTarget(name: "RelaydeskFFI", path: "build/RelaydeskFFI.xcframework"),
        .target(name: "Relaydesk", dependencies: ["RelaydeskFFI"], path: "Sources/Relaydesk"),
    ]
)
