// swift-tools-version:6.0
//
// SwiftLightning: PyTorch Lightning for Swift, on libtorch.
//
// libtorch is found through pkg-config (`swiftlightning-libtorch.pc`, written by Scripts/setup.sh),
// so the library products carry no unsafe flags and can be used from any other package.

import PackageDescription

let package = Package(
    name: "SwiftLightning",
    platforms: [.macOS(.v14)],
    products: [
        .library(name: "Torch", targets: ["Torch"]),
        .library(name: "Lightning", targets: ["Lightning"]),
    ],
    targets: [
        .systemLibrary(
            name: "CLibTorch",
            pkgConfig: "swiftlightning-libtorch",
            providers: [.apt(["python3-pip"])]
        ),
        .target(
            name: "CTorch",
            dependencies: ["CLibTorch"],
            exclude: ["vendor/README.md", "vendor/gloo/LICENSE"],
            cxxSettings: [
                .define("_GLIBCXX_USE_CXX11_ABI", to: "1"),
                // c10d's Gloo process group (core/distributed.cpp); vendor/ holds Gloo's headers.
                .define("USE_C10D_GLOO"),
                .headerSearchPath("vendor"),
            ]
        ),
        .target(
            name: "Torch",
            dependencies: ["CTorch"],
            swiftSettings: [.enableUpcomingFeature("ExistentialAny")]
        ),
        .target(
            name: "Lightning",
            dependencies: ["Torch"],
            swiftSettings: [.enableUpcomingFeature("ExistentialAny")]
        ),
        .testTarget(
            name: "TorchTests",
            dependencies: ["Torch"],
            // PyTorch parity fixtures (JSON), read from the source tree by Tests/TorchTests/Support/Fixtures.swift.
            exclude: ["Fixtures"]
        ),
        // The fixed model and data the multi-process tests share with their child executables.
        .target(name: "TestModels", dependencies: ["Torch"], path: "Tests/TestModels"),
        .testTarget(
            name: "LightningTests",
            dependencies: ["Lightning", "Torch", "TestModels"],
            // Lightning 2.6.6 reference fixtures (JSON, text), read from the source tree.
            exclude: ["Fixtures"]
        ),
        .executableTarget(name: "FashionMNISTExample", dependencies: ["Lightning", "Torch"], path: "Examples/FashionMNIST"),
        .executableTarget(name: "IrisExample", dependencies: ["Lightning", "Torch"], path: "Examples/Iris"),
        // The child process of Tests/LightningTests/FailureTests.swift (killed, SIGTERMed, resumed).
        .executableTarget(name: "LightningFailureChild", dependencies: ["Lightning", "Torch", "TestModels"], path: "Tests/FailureChild"),
        // The child process of Tests/LightningTests/FabricTests.swift (one rank of a two-process Fabric run).
        .executableTarget(name: "FabricChild", dependencies: ["Lightning", "Torch", "TestModels"], path: "Tests/FabricChild"),
        // The ranks of Tests/LightningTests/DDPTests.swift (DDP over Gloo on loopback).
        .executableTarget(name: "LightningDDPChild", dependencies: ["Lightning", "Torch"], path: "Tests/DDPChild"),
        .executableTarget(name: "OpOverheadBenchmark", dependencies: ["Torch"], path: "Benchmarks/OpOverhead/Swift"),
        .executableTarget(name: "DataLoaderBenchmark", dependencies: ["Torch"], path: "Benchmarks/DataLoader/Swift"),
        .executableTarget(name: "ModuleTreeBenchmark", dependencies: ["Torch"], path: "Benchmarks/ModuleTree/Swift"),
        .executableTarget(name: "TrainerBenchmark", dependencies: ["Lightning", "Torch"], path: "Benchmarks/Trainer/Swift"),
    ],
    cxxLanguageStandard: .cxx17
)
