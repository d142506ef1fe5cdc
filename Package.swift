// swift-tools-version:6.0
import PackageDescription

let package = Package(
    name: "flowkit",
    products: [
        .executable(name: "flowkit", targets: ["flowkit"]),
        .library(name: "FlowRuntime", targets: ["FlowRuntime"]),
        .library(name: "FlowLayers", targets: ["FlowLayers"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
    ],
    targets: [
        // C libraries from Debian: the OpenCL ICD loader, OpenBLAS and zlib.
        .systemLibrary(
            name: "COpenCL",
            path: "Sources/COpenCL",
            providers: [.apt(["ocl-icd-opencl-dev", "opencl-headers"])]
        ),
        .systemLibrary(
            name: "CBLAS",
            path: "Sources/CBLAS",
            providers: [.apt(["libopenblas-dev"])]
        ),
        .systemLibrary(
            name: "CZlib",
            path: "Sources/CZlib",
            providers: [.apt(["zlib1g-dev"])]
        ),
        // The OpenCL C sources, embedded into the binary at build time.
        .target(
            name: "FlowKernels",
            path: "Kernels",
            resources: [
                .embedInCode("common.cl"),
                .embedInCode("gemm.cl"),
                .embedInCode("conv.cl"),
                .embedInCode("coupling.cl"),
                .embedInCode("reduce.cl"),
                .embedInCode("elementwise.cl"),
                .embedInCode("channel.cl"),
                .embedInCode("layout.cl"),
                .embedInCode("adam.cl"),
                .embedInCode("random.cl"),
            ]
        ),
        .target(
            name: "FlowRuntime",
            dependencies: ["COpenCL", "CBLAS", "FlowKernels"]
        ),
        .target(
            name: "FlowLayers",
            dependencies: ["FlowRuntime"]
        ),
        .target(
            name: "FlowTraining",
            dependencies: ["FlowLayers", "FlowRuntime", "CZlib"],
            exclude: ["Data/Digits/README.md"]
        ),
        .target(
            name: "FlowTestSupport",
            dependencies: ["FlowRuntime"]
        ),
        .executableTarget(
            name: "flowkit",
            dependencies: [
                "FlowRuntime",
                "FlowLayers",
                "FlowTraining",
                "CBLAS",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        .testTarget(
            name: "FlowRuntimeTests",
            dependencies: ["FlowRuntime", "FlowKernels", "FlowTestSupport"]
        ),
        .testTarget(
            name: "FlowLayersTests",
            dependencies: ["FlowLayers", "FlowRuntime", "FlowTestSupport"]
        ),
        .testTarget(
            name: "FlowTrainingTests",
            dependencies: ["FlowTraining", "FlowLayers", "FlowRuntime"]
        ),
        // Runs the built `flowkit` binary; depending on it makes `swift test` build it first.
        .testTarget(
            name: "FlowKitCLITests",
            dependencies: ["flowkit"]
        ),
    ],
    swiftLanguageModes: [.v6]
)
