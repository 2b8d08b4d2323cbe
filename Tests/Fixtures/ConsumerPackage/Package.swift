// swift-tools-version:6.0
// A separate package that depends on SwiftLightning by path, exactly as a user's package would.
// Scripts/test.sh builds and runs it to prove that `import Torch` needs no extra flags.
import PackageDescription

let package = Package(
    name: "Consumer",
    dependencies: [.package(path: "../../..")],
    targets: [
        .executableTarget(name: "Consumer", dependencies: [.product(name: "Torch", package: "SwiftLightning")]),
    ]
)
