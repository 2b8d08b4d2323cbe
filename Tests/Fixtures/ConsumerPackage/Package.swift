// swift-tools-version:6.0
// A separate package that depends on SwiftLightning by path, exactly as a user's package would.
// Scripts/test.sh builds and runs it to prove that `import Torch` needs no extra flags.
import Foundation
import PackageDescription

// SwiftPM names a path dependency after its folder; the checkout's folder may be called anything
// (a user's is usually "SwiftLightning"), so take the name from the path.
let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../../..").standardizedFileURL

let package = Package(
    name: "Consumer",
    dependencies: [.package(path: root.path)],
    targets: [
        .executableTarget(name: "Consumer", dependencies: [.product(name: "Torch", package: root.lastPathComponent)]),
    ]
)
